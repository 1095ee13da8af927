using System.Text.Json;

namespace FastWeights.Tests.Cli;

/// <summary>The Catch commands end to end: train, test, play (PNG and text), reproduce catch, and their bad inputs.</summary>
public sealed class CatchCliTests : CliTestBase
{
    public CatchCliTests()
        : base("fw-catch-cli-")
    {
    }

    private string TrainSmall(string name, string model = "fw-rnn")
    {
        string run = Path.Combine(Root, name);
        var train = Run("train", "--task", "catch", "--model", model, "--size", "8", "--blank-after", "3", "--hidden", "16", "--steps", "40",
            "--batch", "16", "--eval-every", "20", "--eval-episodes", "100", "--test-episodes", "300", "--out", run, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("test catch rate", train.Out);
        return run;
    }

    [Fact]
    public void TrainTestAndPlayACatchAgent()
    {
        string run = TrainSmall("fw");
        var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json"))).RootElement;
        Assert.Equal(300, result.GetProperty("test_count").GetInt32());
        Assert.Equal(40 * 16, result.GetProperty("episodes_trained").GetInt32());

        // test on the run's test episodes gives the number training ended with.
        var test = Run("test", "--run", run, "--json");
        Assert.Equal(0, test.Code);
        var t = JsonDocument.Parse(test.Out).RootElement;
        Assert.Equal(result.GetProperty("test_success_rate").GetDouble(), t.GetProperty("success_rate").GetDouble());
        Assert.Equal(300, t.GetProperty("count").GetInt32());
        var text = Run("test", "--run", run, "--split", "validation", "--episodes", "50");
        Assert.Equal(0, text.Code);
        Assert.Contains("validation: catch rate", text.Out);
        Assert.Contains("over 50 greedy episodes", text.Out);

        string png = Path.Combine(Root, "pictures", "play.png");
        var play = Run("play", "--run", run, "--episodes", "3", "--out", png, "--ascii");
        Assert.True(play.Code == 0, play.Err);
        Assert.Contains("episode 3: ball at column", play.Out);
        Assert.Equal(3 * 7, play.Out.Split('\n').Count(l => l.Contains('|'))); // a line per step, 7 steps on an 8×8 screen
        Assert.Contains("wrote " + png, play.Out);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.True(bitmap.Width > 7 * 8 && bitmap.Height > 3 * 8, $"{bitmap.Width}×{bitmap.Height}");
        // The same seed plays the same episodes.
        Assert.Equal(Run("play", "--run", run, "--episodes", "3", "--ascii", "--seed", "9").Out, Run("play", "--run", run, "--episodes", "3", "--ascii", "--seed", "9").Out);
        Assert.NotEqual(Run("play", "--run", run, "--episodes", "3", "--ascii", "--seed", "9").Out, Run("play", "--run", run, "--episodes", "3", "--ascii", "--seed", "10").Out);
    }

    [Fact]
    public void BadCatchInputsAreOneLineErrors()
    {
        string run = TrainSmall("lstm", "lstm");
        (string[] Args, string Message)[] cases =
        [
            (["play", "--run", run], "give --out FILE.png, --ascii, or both"),
            (["play", "--run", run, "--out", Path.Combine(Root, "x.gif")], "writes PNG files"),
            (["play", "--run", run, "--ascii", "--episodes", "0"], "--episodes must be 1 to 64"),
            (["test", "--run", run, "--split", "train"], "--split train"),
            (["test", "--run", run, "--data", "/etc/hostname"], "--data is for sequence tasks"),
            (["test", "--run", run, "--episodes", "0"], "--episodes must be at least 1"),
            (["predict", "--run", run, "x"], "learnt by reinforcement"),
            (["train", "--task", "catch", "--model", "gru-ln", "--out", Path.Combine(Root, "g")], "cannot be an agent's core"),
            (["train", "--task", "catch", "--size", "2", "--out", Path.Combine(Root, "s")], "--size must be at least 3"),
            (["train", "--task", "catch", "--blank-after", "0", "--out", Path.Combine(Root, "b")], "--blank-after must be at least 1"),
            (["train", "--task", "catch", "--n-step", "0", "--out", Path.Combine(Root, "n")], "--n-step must be at least 1"),
            (["train", "--task", "catch", "--gamma", "1.5", "--out", Path.Combine(Root, "y")], "--gamma must be in [0, 1]"),
            (["reproduce", "catch", "--models", "deltanet", "--out", Path.Combine(Root, "r")], "not one of the models that can be an agent's core"),
        ];
        foreach (var (args, message) in cases)
        {
            var r = Run(args);
            Assert.True(r.Code == 2, $"{string.Join(' ', args)}: exit {r.Code}, {r.Err}");
            Assert.Contains(message, r.Err);
            Assert.Single(r.Err.TrimEnd().Split('\n'));
        }
    }

    [Fact]
    public void ReproduceCatchWritesItsReportAndSkipsFinishedRunsWhenStartedAgain()
    {
        string dir = Path.Combine(Root, "grid");
        string[] args = ["reproduce", "catch", "--steps", "20", "--sizes", "6,8", "--models", "fw-rnn,irnn", "--batch", "8", "--hidden", "12", "--out", dir];
        var first = Run(args);
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("4 cells", first.Out);
        Assert.True(File.Exists(Path.Combine(dir, "runs", "fw-rnn-n6-s1", "result.json")));
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "runs", "irnn-n8-s1", "config.json"))).RootElement;
        Assert.Equal(8, config.GetProperty("size").GetInt32());
        Assert.Equal(2, config.GetProperty("blank_after").GetInt32()); // N / 3
        Assert.Equal(12, config.GetProperty("hidden").GetInt32());
        string md = File.ReadAllText(Path.Combine(dir, "catch.md"));
        Assert.Contains("| 6×6, blank after 2 | 8×8, blank after 2 |", md);
        Assert.Contains("| chance (paddle width / N) | 50.0 | 37.5 |", md);
        Assert.True(File.Exists(Path.Combine(dir, "catch-curves.png")));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "catch.json"))).RootElement;
        Assert.Equal(4, json.GetProperty("cells").GetArrayLength());
        Assert.All(json.GetProperty("cells").EnumerateArray(), c => Assert.InRange(c.GetProperty("catch_percent").GetDouble(), 0, 100));

        var again = Run(args);
        Assert.True(again.Code == 0, again.Err);
        Assert.Equal(4, again.Out.Split('\n').Count(l => l.Contains("already finished")));
    }
}
