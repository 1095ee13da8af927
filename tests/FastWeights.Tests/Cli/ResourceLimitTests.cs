using System.Diagnostics;
using System.Text.Json.Nodes;
using FastWeights.Training;

namespace FastWeights.Tests.Cli;

/// <summary>
/// Sizes too large for the machine or for .NET are refused before anything is allocated or written, as one line and
/// exit code 2; a run out of memory anyway is one line and exit code 3; what test, inspect and plot read or draw is bounded.
/// </summary>
public sealed class ResourceLimitTests() : CliTestBase("fw-limits-")
{
    private static readonly string[] TinyTrain =
        ["train", "--hidden", "12", "--pairs", "2", "--steps", "2", "--batch", "8", "--train-size", "100", "--validation-size", "20", "--test-size", "20", "--eval-every", "2", "--save-every", "2", "-q"];

    private string TrainTiny()
    {
        string run = Path.Combine(Root, "tiny");
        var train = Run([.. TinyTrain, "--out", run]);
        Assert.True(train.Code == 0, train.Err);
        return run;
    }

    // One line on stderr, "fastweights: error: …", and exit code 2.
    private static string AssertOneLineError((int Code, string Out, string Err) result, string expected)
    {
        Assert.True(result.Code == 2, $"exit code {result.Code}: {result.Err}");
        string line = Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastweights: error: ", line);
        Assert.Contains(expected, line);
        return line;
    }

    [Fact]
    public void ARunTooLargeIsRefusedWithItsEstimateAndLeavesNothingBehind()
    {
        string run = Path.Combine(Root, "huge");
        // --hidden 4000: about 6 GB (a partial recurrent gradient per chunk of an evaluation batch), against a 1 GB limit.
        string[] args = ["train", "--hidden", "4000", "--max-memory-gb", "1", "--out", run];
        string first = AssertOneLineError(Run(args), "this run needs about ");
        Assert.Contains("more than the --max-memory-gb limit of 1.0 GB; lower the sizes, or use --max-memory-gb to override", first);
        Assert.False(Directory.Exists(run));
        // The same command is refused the same way (today's main left a config.json that refused it as a run).
        Assert.Equal(first, AssertOneLineError(Run(args), "this run needs about "));

        // Without a limit the bound is this machine's memory: 100,000 blocks of D = 4096 exceed any.
        var machine = Run("train", "--model", "deltanet", "--task", "mqar", "--d-model", "4096", "--layers", "100000", "--out", run);
        AssertOneLineError(machine, "GB this machine has; lower the sizes, or use --max-memory-gb to override");
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("--task", "mqar", "--model", "deltanet", "--length", "2147483647")]
    [InlineData("--task", "assoc", "--model", "fw-rnn", "--batch", "2147483647")]
    [InlineData("--task", "assoc", "--model", "fw-rnn", "--train-size", "2147483647")]
    public void SizesThatOverflowAreACleanErrorEvenWithTheLimitLifted(string taskFlag, string task, string modelFlag, string model, string flag, string value)
    {
        string run = Path.Combine(Root, "overflow");
        // Zoology's MQAR layout refuses a length as long as this below its vocabulary first; the answered layout takes it.
        string[] layout = task == "mqar" ? ["--query-layout", "answered"] : [];
        var result = Run(["train", taskFlag, task, modelFlag, model, flag, value, .. layout, "--max-memory-gb", "1000000", "--out", run]);
        AssertOneLineError(result, "more than the 2,147,483,591 one .NET array holds");
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void AGlimpseRunWithoutImagesLeavesNoConfiguration()
    {
        string images = Path.Combine(Root, "empty-images");
        Directory.CreateDirectory(images);
        string run = Path.Combine(Root, "glimpses");
        string[] args = ["train", "--task", "glimpses", "--data-dir", images, "--steps", "1", "--out", run, "-q"];
        string first = AssertOneLineError(Run(args), "train-images-idx3-ubyte");
        Assert.False(Directory.Exists(run));
        Assert.Equal(first, AssertOneLineError(Run(args), "train-images-idx3-ubyte"));
    }

    [Fact]
    public async Task OutOfMemoryIsOneLineWithExitCode3AndLeavesNoRun()
    {
        // A real process whose managed heap is capped at 64 MB, told to ignore the estimate: a batch of 20,000 needs
        // about 0.4 GB, so its first step runs out of memory (the cap keeps the test from allocating more).
        string run = Path.Combine(Root, "oom");
        string cli = Path.Combine(AppContext.BaseDirectory, "FastWeights.Cli.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["DOTNET_GCHeapHardLimit"] = "0x4000000";
        foreach (var a in new[] { cli, "train", "--batch", "20000", "--steps", "2", "--train-size", "1000", "--validation-size", "100", "--test-size", "100", "--max-memory-gb", "100", "--out", run, "-q" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = await p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        await stdout;
        Assert.True(p.ExitCode == 3, $"exit code {p.ExitCode}: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastweights: error: out of memory; lower the sizes", line);
        Assert.False(Directory.Exists(run), "a run out of memory before its first checkpoint is removed");
    }

    [Fact]
    public void TestRefusesAConfigurationWithAHugeTestSplitBeforeMakingIt()
    {
        string run = TrainTiny();
        string path = Path.Combine(run, RunDirectory.ConfigFile);
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        // 50 million test examples (about 9 GB) on a run limited to 1 GB.
        config["test_size"] = 50_000_000;
        config["max_memory_gb"] = 1;
        File.WriteAllText(path, config.ToJsonString());
        var clock = Stopwatch.StartNew();
        AssertOneLineError(Run("test", "--run", run), "evaluating this run on its data splits needs about ");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refused after {clock.Elapsed}");
        // Two billion: beyond one array whatever the limit.
        config["test_size"] = 2_000_000_000;
        config["max_memory_gb"] = 0;
        File.WriteAllText(path, config.ToJsonString());
        AssertOneLineError(Run("test", "--run", run), "one .NET array holds");
    }

    [Fact]
    public void TestDataThatIsNotADataFileFailsAtItsFirstLine()
    {
        string run = TrainTiny();
        if (OperatingSystem.IsLinux())
        {
            // Today's main read 8.4 GB of /dev/zero looking for the end of its first line.
            var clock = Stopwatch.StartNew();
            AssertOneLineError(Run("test", "--run", run, "--data", "/dev/zero"), "/dev/zero:1: line longer than 128 characters");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refused after {clock.Elapsed}");
        }
        string file = Path.Combine(Root, "long-line.txt");
        File.WriteAllText(file, "a1b2??a\t1\nc3d4??d\t4\n" + new string('a', 129) + "\t1\n");
        AssertOneLineError(Run("test", "--run", run, "--data", file), $"{file}:3: line longer than 128 characters");
    }

    [Fact]
    public void InspectRefusesSequencesLongerThanItDraws()
    {
        string run = TrainTiny();
        string output = Path.Combine(Root, "inspect");
        string sequence = string.Concat(Enumerable.Repeat("a1b2", 50)) + "?";
        var result = Run("inspect", "--run", run, sequence, "--out", output);
        AssertOneLineError(result, "the sequence has 201 symbols; inspect draws an image of A(t) for each and takes at most 200");
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void PlotRefusesPicturesLargerThan10000Pixels()
    {
        string run = TrainTiny();
        string png = Path.Combine(Root, "huge.png");
        AssertOneLineError(Run("plot", run, "--width", "100000", "--height", "100000", "--out", png), "--width and --height must be at most 10000 pixels");
        AssertOneLineError(Run("plot", run, "--width", "10001", "--out", png), "at most 10000 pixels");
        Assert.False(File.Exists(png));
    }
}
