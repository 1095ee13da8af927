using System.Text.Json;
using FastWeights.Serialization;

namespace FastWeights.Tests.Cli;

/// <summary>End-to-end runs of the command-line tool, in-process.</summary>
public sealed class CliTests() : CliTestBase("fw-cli-")
{
    private static readonly string[] TinyTrain =
        ["train", "--hidden", "12", "--pairs", "2", "--steps", "20", "--batch", "16", "--train-size", "500", "--validation-size", "50", "--test-size", "60", "--eval-every", "10", "--save-every", "10"];

    [Fact]
    public void TrainTestPredictPlotInspectWorkTogether()
    {
        string run = Path.Combine(Root, "run");
        var train = Run([.. TinyTrain, "--out", run]);
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("test accuracy", train.Out);
        foreach (var f in new[] { "config.json", "metrics.jsonl", "model.safetensors", "checkpoint.safetensors" })
        {
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        }
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(2, metrics.Length);
        var m = JsonDocument.Parse(metrics[1]).RootElement;
        foreach (var key in new[] { "step", "train_loss", "validation_loss", "validation_accuracy", "seconds" })
        {
            Assert.True(m.TryGetProperty(key, out _), key);
        }

        var test = Run("test", "--run", run, "--json");
        Assert.Equal(0, test.Code);
        var t = JsonDocument.Parse(test.Out).RootElement;
        Assert.Equal(60, t.GetProperty("count").GetInt32());
        Assert.Equal(1.0, t.GetProperty("accuracy").GetDouble() + t.GetProperty("error_rate").GetDouble(), 9);

        var predict = Run("predict", "--run", run, "c9k8??c", "a1b2??b", "--json");
        Assert.Equal(0, predict.Code);
        var p = JsonDocument.Parse(predict.Out).RootElement;
        Assert.Equal(2, p.GetArrayLength());
        var probs = p[0].GetProperty("probabilities").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal(10, probs.Length);
        Assert.Equal(1.0, probs.Sum(), 4);
        Assert.Equal(Array.IndexOf(probs, probs.Max()), p[0].GetProperty("answer").GetInt32());

        string png = Path.Combine(Root, "curves.png");
        Assert.Equal(0, Run("plot", run, "--out", png).Code);
        AssertPng(png);

        string inspectDir = Path.Combine(Root, "inspect");
        var inspect = Run("inspect", "--run", run, "c9k8??c", "--out", inspectDir);
        Assert.True(inspect.Code == 0, inspect.Err);
        AssertPng(Path.Combine(inspectDir, "attention.png"));
        AssertPng(Path.Combine(inspectDir, "fast-weights-07.png"));

        string data = Path.Combine(Root, "data");
        Assert.Equal(0, Run("data", "export", "--run", run, "--out", data).Code);
        Assert.Equal(60, File.ReadAllLines(Path.Combine(data, "test.txt")).Length);
        var fromFile = Run("test", "--run", run, "--data", Path.Combine(data, "test.txt"), "--json");
        Assert.Equal(t.GetProperty("accuracy").GetDouble(), JsonDocument.Parse(fromFile.Out).RootElement.GetProperty("accuracy").GetDouble());
    }

    private static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), path);
        var head = File.ReadAllBytes(path).Take(8).ToArray();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
    }

    [Theory]
    [InlineData(new[] { "train", "--model", "nope" }, "unknown model 'nope'; valid models: fw-rnn, rnn-ln, control, irnn, gru-ln, lstm, a-lstm")]
    [InlineData(new[] { "train", "--task", "copy" }, "unknown task 'copy'")]
    [InlineData(new[] { "train", "--hidden", "0" }, "--hidden must be at least 1")]
    [InlineData(new[] { "train", "--lambda", "1.5" }, "--lambda must be in [0, 1]")]
    [InlineData(new[] { "train", "--inner-steps", "0" }, "--inner-steps must be at least 1")]
    [InlineData(new[] { "train", "--hidden", "abc" }, "abc")]
    [InlineData(new[] { "test", "--run", "/nonexistent/run" }, "run directory '/nonexistent/run' does not exist")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new[] { "train", "--form", "weird" }, "Did you mean one of the following? Auto, Efficient, Explicit")]
    [InlineData(new[] { "train", "--eta", "-1" }, "--eta must be 0 or more")]
    [InlineData(new[] { "predict", "--run", "/nonexistent/run", "abc" }, "does not exist")]
    [InlineData(new[] { "train", "--threads", "0" }, "--threads must be at least 1, not 0")]
    [InlineData(new[] { "test", "--run", "x", "--threads", "two" }, "two")]
    public void BadInputGivesOneLineAndExitCode2(string[] args, string expected)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", err);
    }

    /// <summary>--threads is an option of every command and changes no result: the same run with 1 and 2 threads, then its test.</summary>
    [Fact]
    public void ThreadsChangeNoResult()
    {
        string one = Path.Combine(Root, "one"), two = Path.Combine(Root, "two");
        var a = Run([.. TinyTrain, "--out", one, "--threads", "1"]);
        var b = Run(["--threads", "2", .. TinyTrain, "--out", two]);
        Assert.True(a.Code == 0 && b.Code == 0, a.Err + b.Err);
        Assert.Equal(
            SafeTensorsFile.Load(Path.Combine(one, "model.safetensors")).ToList().Select(p => p.Value.ToArray()),
            SafeTensorsFile.Load(Path.Combine(two, "model.safetensors")).ToList().Select(p => p.Value.ToArray()));
        Assert.Equal(Run("test", "--run", one, "--json", "--threads", "1").Out, Run("test", "--run", two, "--json", "--threads", "2").Out);
    }

    [Fact]
    public void CorruptRunsAndUnknownSymbolsAreReportedClearly()
    {
        string run = Path.Combine(Root, "run");
        Assert.Equal(0, Run([.. TinyTrain, "--out", run]).Code);

        var bad = Run("predict", "--run", run, "c9k8??C");
        Assert.Equal(2, bad.Code);
        Assert.Contains("symbol 'C' at position 7", bad.Err);

        string notRun = Path.Combine(Root, "empty");
        Directory.CreateDirectory(notRun);
        var none = Run("test", "--run", notRun);
        Assert.Equal(2, none.Code);
        Assert.Contains("has no config.json", none.Err);

        File.WriteAllBytes(Path.Combine(run, "model.safetensors"), [1, 2, 3, 4, 5]);
        var corrupt = Run("test", "--run", run);
        Assert.Equal(2, corrupt.Code);
        Assert.Contains("model.safetensors", corrupt.Err);
        Assert.Single(corrupt.Err.TrimEnd('\n').Split('\n'));

        File.WriteAllText(Path.Combine(run, "config.json"), "{ not json");
        var badConfig = Run("test", "--run", run);
        Assert.Equal(2, badConfig.Code);
        Assert.Contains("config.json", badConfig.Err);
    }

    [Fact]
    public void ADivergedRunExitsOneWithItsReasonOnStderr()
    {
        string dir = Path.Combine(Root, "diverged");
        var r = Run("train", "--lr", "1e4", "--warmup", "0", "--steps", "400", "--hidden", "16", "--pairs", "2", "--train-size", "2000", "--validation-size", "200", "--test-size", "200", "--eval-every", "1000", "--out", dir, "--quiet");
        Assert.Equal(1, r.Code);
        Assert.StartsWith("fastweights: error: training stopped at step", r.Err);
        Assert.Contains("no checkpoint was written before it", r.Err);
        Assert.DoesNotContain("training stopped", r.Out);
    }

    [Fact]
    public void ALoneSurrogateEscapeInARunsCheckpointsIsAOneLineFormatError()
    {
        string run = Path.Combine(Root, "run");
        Assert.Equal(0, Run([.. TinyTrain, "--out", run]).Code);
        foreach (string file in new[] { "model.safetensors", "checkpoint.safetensors" })
        {
            // Rename a metadata key to "form\udc00at": the header stays valid JSON syntax, the file stays consistent.
            string path = Path.Combine(run, file);
            byte[] bytes = File.ReadAllBytes(path);
            int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            string header = System.Text.Encoding.UTF8.GetString(bytes, 8, length).Replace("\"format\"", "\"form\\udc00at\"", StringComparison.Ordinal);
            byte[] newHeader = System.Text.Encoding.UTF8.GetBytes(header);
            byte[] damaged = [.. new byte[8], .. newHeader, .. bytes.AsSpan(8 + length)];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(damaged, (ulong)newHeader.Length);
            File.WriteAllBytes(path, damaged);
        }
        foreach (var args in new[] { new[] { "test", "--run", run }, ["predict", "--run", run, "a1b2??a"], ["train", "--resume", run] })
        {
            var r = Run(args);
            Assert.Equal(2, r.Code);
            Assert.Contains("Invalid safetensors file", r.Err);
            Assert.Contains(args[0] == "train" ? "checkpoint.safetensors" : "model.safetensors", r.Err);
            Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public void ControlCharactersFromFilesAndArgumentsNeverReachTheTerminal()
    {
        string run = Path.Combine(Root, "run");
        Assert.Equal(0, Run([.. TinyTrain, "--out", run]).Code);
        string data = Path.Combine(Root, "escape.txt");
        File.WriteAllText(data, "a1b2\u001b[31m??a\t1\n");
        string[][] cases =
        [
            ["test", "--run", run, "--data", data],
            ["predict", "--run", run, "a1\u001b[2Jb2??a"],
            ["train", "--model", "fw\u001b]0;owned\u0007rnn", "--out", Path.Combine(Root, "x")],
            ["test", "--run", Path.Combine(Root, "no\u202Esuch")],
            ["train", "--steps", "\u009b5"],
        ];
        foreach (var args in cases)
        {
            var r = Run(args);
            Assert.Equal(2, r.Code);
            string line = r.Err.TrimEnd('\n');
            Assert.Single(line.Split('\n'));
            Assert.DoesNotContain(line, c => FastWeights.Serialization.PrintableText.NeedsEscape(c));
            Assert.Contains("\\u", line); // shown escaped, not dropped
        }
    }

    [Fact]
    public void MisleadingMessagesNowSayWhatIsWrong()
    {
        string run = Path.Combine(Root, "run");
        Assert.Equal(0, Run([.. TinyTrain, "--out", run]).Code);
        string file = Path.Combine(Root, "plain.txt");
        File.WriteAllText(file, "x");
        string weightsDir = Path.Combine(Root, "weights-dir");
        Directory.CreateDirectory(Path.Combine(weightsDir, "model.safetensors"));
        File.Copy(Path.Combine(run, "config.json"), Path.Combine(weightsDir, "config.json"));
        (string[] Args, string Message)[] cases =
        [
            (["train", "--out", "", "--steps", "1"], "--out must name a path, not an empty string"),
            (["train", "--resume", " "], "--resume must name a path"),
            (["test", "--run", ""], "--run must name a path"),
            (["test", "--run", run, "--data", Root], "is a directory, not a file"),
            (["test", "--run", file], "is a file, not a run directory"),
            (["test", "--run", weightsDir], "model.safetensors is a directory, not a weights file"),
            (["data", "export", "--run", run, "--bogus"], "(see 'fastweights data export --help')"),
            (["reproduce", "catch", "--zz"], "(see 'fastweights reproduce catch --help')"),
        ];
        foreach (var (args, message) in cases)
        {
            var r = Run(args);
            Assert.True(r.Code == 2, $"{string.Join(' ', args)}: exit {r.Code}");
            Assert.Contains(message, r.Err);
            Assert.DoesNotContain("(Parameter", r.Err);
            Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public void AFullDiskIsAnIoFailureNotBadInput()
    {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        var e = Assert.ThrowsAny<IOException>(() =>
        {
            using var fs = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            fs.Write(new byte[1 << 16]);
            fs.Flush(flushToDisk: true);
        });
        Assert.True(FastWeights.Cli.ExitCodes.IsMachineIoFailure(e), $"HResult {e.HResult}: {e.Message}");
        Assert.False(FastWeights.Cli.ExitCodes.IsMachineIoFailure(new IOException("'runs/x' already holds a run")));
        Assert.False(FastWeights.Cli.ExitCodes.IsMachineIoFailure(new FileNotFoundException("missing")));
        Assert.Equal(74, FastWeights.Cli.ExitCodes.IoFailure);
    }

    [Fact]
    public void InspectRefusesModelsWithoutFastWeights()
    {
        string run = Path.Combine(Root, "lstm");
        Assert.Equal(0, Run([.. TinyTrain, "--model", "lstm", "--out", run]).Code);
        var r = Run("inspect", "--run", run, "a1b2??a", "--out", Path.Combine(Root, "x"));
        Assert.Equal(2, r.Code);
        Assert.Contains("no fast weights", r.Err);
    }
}
