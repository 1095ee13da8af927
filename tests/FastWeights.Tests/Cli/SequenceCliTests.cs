using System.Text.Json;

namespace FastWeights.Tests.Cli;

/// <summary>The command-line options of the sequence models, the mqar task and the capacity command.</summary>
public sealed class SequenceCliTests() : CliTestBase("fw-seqcli-")
{
    [Fact]
    public void TrainsDeltaNetOnMqar()
    {
        string run = Path.Combine(Root, "run");
        var train = Run("train", "--model", "deltanet", "--task", "mqar", "--vocab", "16", "--length", "12", "--kv-pairs", "2", "--layers", "1",
            "--d-model", "8", "--heads", "2", "--steps", "2", "--batch", "4", "--train-size", "20", "--validation-size", "4", "--test-size", "4", "--out", run, "-q");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("scored positions", train.Out);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement;
        Assert.Equal("deltanet", config.GetProperty("model").GetString());
        Assert.Equal(16, config.GetProperty("vocab").GetInt32());
        Assert.Equal(2, config.GetProperty("kv_pairs").GetInt32());
        Assert.True(File.Exists(Path.Combine(run, "result.json")));

        var inspect = Run("inspect", "--run", run, "--out", Path.Combine(Root, "img"), "a1b2??a");
        Assert.Equal(2, inspect.Code);
        Assert.Contains("recurrent models on assoc only", inspect.Err);
    }

    [Fact]
    public void BadSequenceOptionsFailWithOneLine()
    {
        var r = Run("train", "--model", "deltanet", "--task", "mqar", "--kv-pairs", "40", "--length", "64", "--out", Path.Combine(Root, "x"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--length", r.Err);
        r = Run("train", "--model", "mamba", "--task", "mqar");
        Assert.Equal(2, r.Code);
        Assert.Contains("deltanet", r.Err);
        r = Run("train", "--model", "deltanet", "--d-model", "30", "--heads", "4");
        Assert.Equal(2, r.Code);
        Assert.Contains("--heads", r.Err);
    }

    [Fact]
    public void CapacityWritesTableJsonAndPlot()
    {
        string dir = Path.Combine(Root, "cap");
        var r = Run("capacity", "--rule", "linear,delta", "--setting", "2", "--dk", "8", "--keys", "3,5", "--values", "4", "--steps", "2", "--batch", "2", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("S=   5", r.Out);
        var md = File.ReadAllText(Path.Combine(dir, "capacity.md"));
        Assert.Contains("| S | linear | delta |", md);
        Assert.Contains("| 5 |", md);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "capacity.json"))).RootElement;
        Assert.Equal(4, json.GetProperty("points").GetArrayLength());
        Assert.True(new FileInfo(Path.Combine(dir, "capacity.png")).Length > 1000);
        var bad = Run("capacity", "--rule", "hebb", "--out", dir);
        Assert.Equal(2, bad.Code);
        Assert.Contains("linear, delta", bad.Err);
    }

    [Theory]
    [InlineData("sequence")]
    [InlineData("schlag")]
    public void ADivergingCapacityPointIsRecordedAsDivergedAndTheSweepGoesOn(string protocol)
    {
        string dir = Path.Combine(Root, "cap-" + protocol);
        var r = Run("capacity", "--protocol", protocol, "--rule", "linear,delta", "--dk", "8", "--keys", "3,5", "--steps", "20", "--batch", "2", "--lr", "1e30", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(4, r.Out.Split('\n').Count(l => l.Contains("diverged after")));
        var md = File.ReadAllText(Path.Combine(dir, "capacity.md"));
        Assert.DoesNotContain("NaN", md);
        Assert.Contains("| 5 | diverged (", md);
        var points = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "capacity.json"))).RootElement.GetProperty("points");
        Assert.Equal(4, points.GetArrayLength()); // every rule and size, after the first diverged point
        Assert.All(points.EnumerateArray(), p =>
        {
            Assert.True(p.GetProperty("diverged").GetBoolean());
            Assert.Equal(JsonValueKind.Null, p.GetProperty("loss").ValueKind);
        });
    }

    [Fact]
    public void ASecondCapacityOrReproduceProcessOnTheSameOutputIsRefused()
    {
        string dir = Path.Combine(Root, "held");
        using (FastWeights.Training.RunLock.Acquire(dir))
        {
            var capacity = Run("capacity", "--keys", "3", "--dk", "8", "--steps", "2", "--batch", "2", "--out", dir);
            Assert.Equal(2, capacity.Code);
            Assert.Contains("is in use by another fastweights process", capacity.Err);
            var grid = Run("reproduce", "catch", "--steps", "2", "--sizes", "6", "--models", "fw-rnn", "--batch", "2", "--out", dir);
            Assert.Equal(2, grid.Code);
            Assert.Contains("is in use by another fastweights process", grid.Err);
            Assert.False(Directory.Exists(Path.Combine(dir, "runs")));
        }
        Assert.Equal(0, Run("capacity", "--keys", "3", "--dk", "8", "--steps", "2", "--batch", "2", "--out", dir).Code);
    }

    [Fact]
    public void CapacityTakesTheFeatureMapAndNormalisation()
    {
        string dir = Path.Combine(Root, "cap-l2");
        var r = Run("capacity", "--rule", "delta", "--setting", "1", "--dk", "8", "--keys", "3", "--values", "4", "--steps", "2", "--batch", "2", "--feature-map", "identity", "--norm", "l2", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "capacity.json"))).RootElement;
        Assert.Equal("Identity", json.GetProperty("settings").GetProperty("feature_map").GetString());
        Assert.Equal("L2", json.GetProperty("settings").GetProperty("normalization").GetString());
        Assert.Contains("Identity with L2", File.ReadAllText(Path.Combine(dir, "capacity.md")));
        var badMap = Run("capacity", "--feature-map", "softmax", "--out", dir);
        Assert.Equal(2, badMap.Code);
        Assert.Contains("valid: identity, elu+1, relu, dpfp", badMap.Err);
        var badNorm = Run("capacity", "--norm", "max", "--out", dir);
        Assert.Equal(2, badNorm.Code);
        Assert.Contains("valid: sum, l2, none", badNorm.Err);
    }

    [Fact]
    public void CapacityRunsTheProtocolOfSchlagEtAl()
    {
        string dir = Path.Combine(Root, "cap-schlag");
        var r = Run("capacity", "--protocol", "schlag", "--rule", "linear,delta", "--setting", "2", "--dk", "4", "--keys", "3,4", "--steps", "3", "--batch", "2", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("(3 steps", r.Out);
        var md = File.ReadAllText(Path.Combine(dir, "capacity.md"));
        Assert.Contains("Protocol of Schlag et al.", md);
        Assert.Contains("Dpfp (8 features)", md);
        Assert.Contains("sequences of S writes", md);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "capacity.json"))).RootElement;
        Assert.Equal("schlag", json.GetProperty("settings").GetProperty("protocol").GetString());
        Assert.Equal(0.001, json.GetProperty("settings").GetProperty("learning_rate").GetDouble(), 6);
        Assert.Equal(4, json.GetProperty("points").GetArrayLength());
        Assert.True(json.GetProperty("points")[0].GetProperty("short_loss").GetDouble() >= 0);
        var badRule = Run("capacity", "--protocol", "schlag", "--rule", "gated-delta", "--out", dir);
        Assert.Equal(2, badRule.Code);
        Assert.Contains("linear and delta rules only", badRule.Err);
        var badValues = Run("capacity", "--protocol", "schlag", "--values", "8", "--out", dir);
        Assert.Equal(2, badValues.Code);
        Assert.Contains("do not apply to --protocol schlag", badValues.Err);
        var badProtocol = Run("capacity", "--protocol", "paper", "--out", dir);
        Assert.Equal(2, badProtocol.Code);
        Assert.Contains("valid: sequence, schlag", badProtocol.Err);
    }

    [Fact]
    public void ModelsListsTheSequenceModels()
    {
        var r = Run("models");
        Assert.Equal(0, r.Code);
        foreach (var name in new[] { "linear-attention", "deltanet", "gated-deltanet", "transformer", "fw-rnn" })
        {
            Assert.Contains(name, r.Out);
        }
    }
}
