using System.Diagnostics;

namespace FastWeights.Tests.Cli;

/// <summary>Ctrl-C (SIGINT), SIGTERM and SIGHUP on a real <c>fastweights train</c> process: it saves, says how to resume, and exits with 128 + the signal.</summary>
public sealed class InterruptTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "fw-int-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    [InlineData("HUP", 129)]
    public async Task AStopSignalSavesACheckpointThatResumes(string signal, int exitCode)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // SIGINT delivery by 'kill' is POSIX-only
        }
        string run = Path.Combine(root, "run");
        string cli = Path.Combine(AppContext.BaseDirectory, "FastWeights.Cli.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { cli, "train", "--hidden", "8", "--pairs", "2", "--steps", "1000000", "--batch", "8", "--train-size", "200", "--validation-size", "20", "--test-size", "20", "--eval-every", "20", "--save-every", "100000", "--out", run })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = new System.Text.StringBuilder();
        var sawEval = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }
            if (e.Data.StartsWith("step ", StringComparison.Ordinal))
            {
                sawEval.Set();
            }
        };
        p.BeginOutputReadLine();
        var errTask = p.StandardError.ReadToEndAsync();
        Assert.True(sawEval.Wait(TimeSpan.FromSeconds(60)), "training printed no progress line within 60 s");
        using (var kill = Process.Start("kill", ["-" + signal, p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        string stderr = await errTask;
        string output;
        lock (stdout)
        {
            output = stdout.ToString();
        }
        Assert.Equal(exitCode, p.ExitCode);
        Assert.Contains("interrupted at step", output);
        Assert.Contains("--resume", output);
        Assert.DoesNotContain("   at ", stderr);
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.safetensors")), "a checkpoint is saved on the signal");
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }
}
