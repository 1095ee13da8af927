using System.Diagnostics;
using System.Globalization;
using FastWeights.Training;

namespace FastWeights.Tests.Cli;

/// <summary>One writer per run directory, with real processes: a second writer is refused while the first trains; the lock dies with a killed process.</summary>
public sealed class RunLockTests : CliTestBase
{
    public RunLockTests()
        : base("fw-lock-")
    {
    }

    [Fact]
    public void ASecondWriterIsRefusedAndAKilledOwnersLockIsTakenOver()
    {
        string run = Path.Combine(Root, "run");
        string cli = Path.Combine(AppContext.BaseDirectory, "FastWeights.Cli.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cli, "train", "--hidden", "8", "--pairs", "2", "--steps", "1000000", "--batch", "8", "--train-size", "200", "--validation-size", "20", "--test-size", "20", "--eval-every", "20", "--save-every", "40", "--out", run })
        {
            psi.ArgumentList.Add(a);
        }
        using var owner = Process.Start(psi)!;
        var saved = new ManualResetEventSlim();
        owner.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && e.Data.StartsWith("step 40:", StringComparison.Ordinal))
            {
                saved.Set();
            }
        };
        owner.BeginOutputReadLine();
        _ = owner.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(saved.Wait(TimeSpan.FromSeconds(60)), "the training process printed no step 40 line within 60 s");
            // The checkpoint of step 40 follows the validation line.
            var clock = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(run, RunDirectory.CheckpointFile)) && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(20);
            }

            // A second writer, in another process or this one, by train --resume or by train --out: refused, nothing written.
            string pid = owner.Id.ToString(CultureInfo.InvariantCulture);
            var resume = Run("train", "--resume", run);
            Assert.Equal(2, resume.Code);
            Assert.Contains($"is in use by another fastweights process (process {pid})", resume.Err);
            var again = Run("train", "--hidden", "8", "--steps", "5", "--out", run);
            Assert.Equal(2, again.Code);
            Assert.Contains("in use by another fastweights process", again.Err);
        }
        finally
        {
            owner.Kill(entireProcessTree: true);
            owner.WaitForExit();
        }
        // The killed owner's lock died with it: the run resumes from its last checkpoint (and, stopped at once, saves
        // after one step; its config.json may not be edited to shorten it).
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var resumed = Trainer.Resume(run, cancel: stop.Token);
        Assert.Equal(TrainingOutcome.Interrupted, resumed.Outcome);
        Assert.True(resumed.Step > 40, $"resumed to step {resumed.Step}");
    }
}
