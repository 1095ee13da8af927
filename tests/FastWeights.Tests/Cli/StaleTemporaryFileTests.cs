using System.Diagnostics;
using System.Globalization;
using FastWeights.Serialization;
using FastWeights.Training;

namespace FastWeights.Tests.Cli;

/// <summary>A real <c>fastweights train</c> process killed in the middle of a save leaves its temporary file; the next writer to open the run removes it and says so.</summary>
public sealed class StaleTemporaryFileTests : CliTestBase
{
    public StaleTemporaryFileTests()
        : base("fw-stale-")
    {
    }

    [Fact]
    public void AKillDuringASaveLeavesATemporaryThatResumeRemoves()
    {
        string run = Path.Combine(Root, "run");
        string cli = Path.Combine(AppContext.BaseDirectory, "FastWeights.Cli.dll");
        string[] orphans = [];
        Directory.CreateDirectory(run);
        // A wide network saved after every step: writing and flushing its checkpoint and weights takes most of each step,
        // so a kill sent as soon as a save's temporary file appears lands before its rename (a later attempt resumes the run).
        for (int attempt = 0; attempt < 5 && orphans.Length == 0; attempt++)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            string[] args = attempt == 0
                ? ["train", "--hidden", "256", "--pairs", "2", "--steps", "1000000", "--batch", "2", "--train-size", "50", "--validation-size", "10", "--test-size", "10", "--eval-every", "1000000", "--save-every", "1", "--out", run]
                : ["train", "--resume", run];
            foreach (var a in args.Prepend(cli))
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            using var killed = new ManualResetEventSlim();
            using var watcher = new FileSystemWatcher(run, "*.safetensors.*.tmp");
            watcher.Created += (_, _) =>
            {
                try
                {
                    p.Kill();
                }
                catch (InvalidOperationException)
                {
                    // Already gone: the attempt finds no temporary and the next one resumes.
                }
                killed.Set();
            };
            watcher.EnableRaisingEvents = true;
            bool kill = killed.Wait(TimeSpan.FromSeconds(60));
            watcher.EnableRaisingEvents = false;
            if (!kill && !p.HasExited)
            {
                p.Kill();
            }
            p.WaitForExit();
            orphans = [.. Directory.EnumerateFiles(run, ".*.tmp").Select(Path.GetFileName).OfType<string>()];
        }
        Assert.True(orphans.Length > 0, "no kill in 5 attempts landed while a save was under way");
        Assert.All(orphans, name => Assert.Matches(@"^\.(model|checkpoint)\.safetensors\.[0-9a-f]{32}\.tmp$", name));

        // A file of the user's with a name like ours stays.
        string users = Path.Combine(run, ".notes.safetensors.4242.tmp");
        File.WriteAllText(users, "mine");
        // Resume for two more steps than the checkpoint holds (none if the kill came during the first save).
        string checkpoint = Path.Combine(run, RunDirectory.CheckpointFile);
        int step = File.Exists(checkpoint) ? int.Parse(SafeTensorsFile.ReadHeader(checkpoint).Metadata["step"], CultureInfo.InvariantCulture) : 0;
        var config = RunDirectory.ReadConfig(run) with { Steps = step + 2, SaveEvery = 1000 };
        File.WriteAllText(Path.Combine(run, RunDirectory.ConfigFile), config.ToJson());

        var resumed = Run("train", "--resume", run);
        Assert.True(resumed.Code == 0, resumed.Err);
        string files = orphans.Length == 1 ? "file" : "files";
        Assert.Contains($"removed {orphans.Length} temporary {files} left in {run} by an interrupted save: {string.Join(", ", orphans.Order(StringComparer.Ordinal))}", resumed.Out);
        Assert.Equal([users], Directory.GetFiles(run, ".*.tmp"));
    }
}
