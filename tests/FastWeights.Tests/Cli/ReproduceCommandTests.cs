using System.Text.Json;

namespace FastWeights.Tests.Cli;

/// <summary><c>fastweights reproduce table1</c> on a tiny budget, in-process.</summary>
public sealed class ReproduceCommandTests() : CliTestBase("fw-repro-")
{
    private string[] Tiny(string outDir) =>
        ["reproduce", "table1", "--steps", "4", "--sizes", "20", "--models", "fw-rnn,lstm", "--batch", "8",
         "--train-size", "200", "--validation-size", "20", "--test-size", "30", "--out", outDir];

    [Fact]
    public void WritesTableJsonAndFigureThenSkipsFinishedCells()
    {
        string dir = Path.Combine(Root, "grid");
        var first = Run(Tiny(dir));
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("[1/2] fw-rnn R=20 seed 1: test error", first.Out);
        Assert.Contains("[2/2] lstm R=20 seed 1: test error", first.Out);

        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "table1.json"))).RootElement;
        var cells = json.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(["fw-rnn", "lstm"], cells.Select(c => c.GetProperty("model").GetString()));
        Assert.All(cells, c => Assert.Equal("completed", c.GetProperty("status").GetString()));
        Assert.Equal(4, json.GetProperty("config").GetProperty("steps").GetInt32());
        var rows = json.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(1.81, rows.Single(r => r.GetProperty("model").GetString() == "fw-rnn").GetProperty("paper_error_percent").GetDouble());
        Assert.Equal(60.81, rows.Single(r => r.GetProperty("model").GetString() == "lstm").GetProperty("paper_error_percent").GetDouble());

        // Our error is the run's own result.json, and the Markdown table shows it beside the paper's.
        string fwRun = Path.Combine(dir, "runs", "fw-rnn-r20-s1");
        double fwError = JsonDocument.Parse(File.ReadAllText(Path.Combine(fwRun, "result.json"))).RootElement.GetProperty("test_error_rate").GetDouble() * 100;
        Assert.Equal(fwError, cells[0].GetProperty("test_error_percent").GetDouble(), 9);
        string md = File.ReadAllText(Path.Combine(dir, "table1.md"));
        Assert.Contains($"| Fast weights | 1.81 | {fwError:F2} |", md);
        Assert.Contains("| LSTM | 60.81 |", md);
        Assert.Contains("4 Adam steps of batch 8", md);
        Assert.Contains("peak learning rate 0.001 ", md);

        // Table 1's recipe: lr 1e-3 for every model, η = 0.05 for fast weights (the library defaults are 2e-3 and 0.5).
        foreach (string run in new[] { "fw-rnn-r20-s1", "lstm-r20-s1" })
        {
            var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "runs", run, "config.json"))).RootElement;
            Assert.Equal(0.001, config.GetProperty("learning_rate").GetDouble(), 6);
        }
        Assert.Equal(0.05, JsonDocument.Parse(File.ReadAllText(Path.Combine(fwRun, "config.json"))).RootElement.GetProperty("eta").GetDouble(), 6);

        string png = Path.Combine(dir, "learning-curves-r20.png");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, File.ReadAllBytes(png).Take(8).ToArray());

        // Started again: finished cells are skipped (their files untouched), a cell with only a checkpoint is resumed.
        var metricsTime = File.GetLastWriteTimeUtc(Path.Combine(fwRun, "metrics.jsonl"));
        File.Delete(Path.Combine(dir, "runs", "lstm-r20-s1", "result.json"));
        var second = Run(Tiny(dir));
        Assert.True(second.Code == 0, second.Err);
        Assert.Contains("fw-rnn R=20 seed 1: already finished", second.Out);
        Assert.Contains("resuming lstm R=20 seed 1", second.Out);
        Assert.Equal(metricsTime, File.GetLastWriteTimeUtc(Path.Combine(fwRun, "metrics.jsonl")));
        var again = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "table1.json"))).RootElement.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(["skipped", "completed"], again.Select(c => c.GetProperty("status").GetString()));
        Assert.Equal(cells[1].GetProperty("test_error_percent").GetDouble(), again[1].GetProperty("test_error_percent").GetDouble());

        // Another budget in the same directory is refused rather than mixed in.
        string[] other = [.. Tiny(dir)];
        other[Array.IndexOf(other, "--steps") + 1] = "5";
        var mixed = Run(other);
        Assert.Equal(2, mixed.Code);
        Assert.Contains("another configuration", mixed.Err);
    }

    [Theory]
    [InlineData("--sizes", "20,x", "--sizes: 'x' is not a positive integer")]
    [InlineData("--models", "fw-rnn,nope", "unknown model 'nope'")]
    [InlineData("--seeds", "0", "--seeds must be at least 1")]
    [InlineData("--jobs", "0", "--jobs must be at least 1")]
    [InlineData("--steps", "0", "--steps must be at least 1")]
    public void BadInputGivesOneLineAndExitCode2(string option, string value, string expected)
    {
        var (code, _, err) = Run("reproduce", "table1", option, value, "--out", Path.Combine(Root, "bad"));
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }
}
