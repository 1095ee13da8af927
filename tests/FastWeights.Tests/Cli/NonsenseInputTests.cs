using FastWeights.Serialization;
using FastWeights.Tensors;

namespace FastWeights.Tests.Cli;

/// <summary>Nonsense that was accepted silently (issue 16, item 9) is a one-line error with exit code 2.</summary>
public sealed class NonsenseInputTests() : CliTestBase("fw-nonsense-")
{
    private static readonly string[] TinyTrain =
        ["train", "--hidden", "12", "--pairs", "2", "--steps", "20", "--batch", "16", "--train-size", "500", "--validation-size", "50", "--test-size", "60", "--eval-every", "10", "--save-every", "10", "--quiet"];

    private string TrainTiny(string name, params string[] more)
    {
        string run = Path.Combine(Root, name);
        var r = Run([.. TinyTrain, .. more, "--out", run]);
        Assert.True(r.Code == 0, r.Err);
        return run;
    }

    private static void AssertOneLineError((int Code, string Out, string Err) r, params string[] expected)
    {
        Assert.True(r.Code == 2, $"exit {r.Code}: {r.Out}{r.Err}");
        Assert.StartsWith("fastweights: error: ", r.Err);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        foreach (string e in expected)
        {
            Assert.Contains(e, r.Err);
        }
    }

    [Fact]
    public void AConfigJsonThatIsEmptyLacksRepeatsOrAddsKeysIsRefused()
    {
        string run = TrainTiny("run");
        string path = Path.Combine(run, "config.json");
        string good = File.ReadAllText(path);
        foreach (var (json, message) in new[]
        {
            ("{}", "key 'model' is missing"),
            (good.Replace("  \"seed\": 1,\n", "", StringComparison.Ordinal), "key 'seed' is missing"),
            (good.Replace("\"seed\": 1,", "\"seed\": 1, \"seed\": 2,", StringComparison.Ordinal), "key 'seed' appears more than once"),
            (good.Replace("\"seed\": 1,", "\"seed\": 1, \"colour\": \"red\",", StringComparison.Ordinal), "unknown key 'colour'"),
        })
        {
            Assert.NotEqual(good, json);
            File.WriteAllText(path, json);
            AssertOneLineError(Run("test", "--run", run), path + ": ", message);
        }
    }

    [Fact]
    public void ResumingARunWhoseSeedWasEditedIsRefused()
    {
        string run = TrainTiny("run");
        string path = Path.Combine(run, "config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"seed\": 1,", "\"seed\": 7,", StringComparison.Ordinal));
        AssertOneLineError(Run("train", "--resume", run), $"{path} was edited since checkpoint.safetensors was written: seed is 7 in it but was 1");
    }

    [Fact]
    public void ResumeWithTrainingOptionsIsRefusedListingThem()
    {
        string run = TrainTiny("run");
        AssertOneLineError(Run("train", "--resume", run, "--steps", "5000", "--lr", "1"), "takes no other training option; given: --steps, --lr");
        AssertOneLineError(Run("train", "--resume", run, "-R", "30", "--out", Path.Combine(Root, "other")), "given: --hidden, --out");
        Assert.Contains("no training option", Run("train", "--help").Out);
        Assert.Equal(0, Run("train", "--resume", run, "--quiet").Code);
    }

    [Fact]
    public void TestDataOfTheWrongLengthWithAnAbsentQueryKeyOrARepeatedKeyIsRefusedNamingTheLine()
    {
        string run = TrainTiny("run");
        string file = Path.Combine(Root, "data.txt");
        foreach (var (text, message) in new[]
        {
            ("a1b2??a\t1\nc9k8j3f1??c\t9\n", ":2: sequence has length 11; with K = 2 pairs a sequence has 7"),
            ("c9k8j3f1??c\t9\n", ":1: sequence has length 11; with K = 2 pairs a sequence has 7"),
            ("a1b2??a\t1\na1b2??z\t1\n", ":2: \"a1b2??z\" is not an assoc sequence (the query 'z' is none of the keys)"),
            ("a1a2??a\t1\n", ":1: \"a1a2??a\" is not an assoc sequence (key 'a' appears twice)"),
            ("a1b2?ba\t1\n", ":1: \"a1b2?ba\" is not an assoc sequence ('b' at position 6 where '?' belongs)"),
            ("a1b2??b\t1\n", ":1: answer 1 is not the value of the query key 'b' (2)"),
        })
        {
            File.WriteAllText(file, text);
            AssertOneLineError(Run("test", "--run", run, "--data", file), file + message);
        }
        File.WriteAllText(file, "a1b2??a\t1\na1b2??b\t2\n");
        Assert.Equal(0, Run("test", "--run", run, "--data", file).Code);
    }

    [Fact]
    public void MqarTestDataOfTheWrongLengthOrWithoutAQueryIsRefusedNamingTheLine()
    {
        string run = TrainTiny("mqar", "--model", "linear-attention", "--task", "mqar", "--vocab", "16", "--length", "12", "--kv-pairs", "2", "--d-model", "16", "--layers", "1");
        string file = Path.Combine(Root, "data.txt");
        File.WriteAllText(file, "3 9 5 12 0 0 3 0 5 0 0 0\n3 9 5 12 0 3\n");
        AssertOneLineError(Run("test", "--run", run, "--data", file), file + ":2: sequence has 6 tokens; this run's sequences have 12");
        File.WriteAllText(file, "3 9 5 12 0 0 3 0 5 0 0 0\n3 9 5 12 0 0 0 0 0 0 0 0\n");
        AssertOneLineError(Run("test", "--run", run, "--data", file), file + ":2: no query");
    }

    [Fact]
    public void PredictRefusesMalformedAssocSequences()
    {
        string run = TrainTiny("run");
        foreach (var (sequence, problem) in new[]
        {
            ("c9", "it has 2 symbols"),
            ("??", "it has 2 symbols"),
            ("c9k8??z", "the query 'z' is none of the keys"),
            ("c9c8??c", "key 'c' appears twice"),
            ("9c8k??c", "'9' at position 1 where a key letter belongs"),
        })
        {
            AssertOneLineError(Run("predict", "--run", run, sequence), $"\"{sequence}\" is not an assoc sequence ({problem}", "expected K letter-digit pairs with K different letters, then ?? and one of those letters");
        }
        AssertOneLineError(Run("inspect", "--run", run, "c9", "--out", Path.Combine(Root, "pictures")), "\"c9\" is not an assoc sequence");
        // Another K than the run's is well formed, and answered.
        Assert.Equal(0, Run("predict", "--run", run, "c9k8j3??j").Code);
    }

    [Fact]
    public void WeightsThatAreNotFiniteAreRefusedNamingTheTensor()
    {
        string run = TrainTiny("run");
        string model = Path.Combine(run, "model.safetensors");
        var content = SafeTensorsFile.Load(model);
        var tensors = content.ToList();
        foreach (var (_, tensor) in tensors)
        {
            tensor.Span.Fill(float.NaN);
        }
        SafeTensorsFile.Save(model, tensors, content.Metadata);
        foreach (var args in new[] { new[] { "test", "--run", run }, ["predict", "--run", run, "a1b2??a"], ["inspect", "--run", run, "a1b2??a", "--out", Path.Combine(Root, "pictures")] })
        {
            AssertOneLineError(Run(args), model, "holds NaN at element 0", "weights must be finite numbers");
        }

        // One infinity in one tensor is named too.
        var one = tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, Tensor.FromArray(new float[t.Value.Length], [.. t.Value.Shape]))).ToList();
        one[^1].Value.Span[1] = float.PositiveInfinity;
        SafeTensorsFile.Save(model, one, content.Metadata);
        AssertOneLineError(Run("test", "--run", run), $"tensor '{one[^1].Key}' holds Infinity at element 1");
    }

    [Fact]
    public void PlayRefusesAnAgentWhoseWeightsAreNotFinite()
    {
        string run = Path.Combine(Root, "catch");
        var train = Run("train", "--task", "catch", "--size", "8", "--blank-after", "3", "--hidden", "8", "--steps", "4", "--batch", "4", "--eval-every", "2", "--eval-episodes", "10", "--test-episodes", "10", "--out", run, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        string model = Path.Combine(run, "model.safetensors");
        var content = SafeTensorsFile.Load(model);
        var tensors = content.ToList();
        tensors[0].Value.Span[0] = float.NaN;
        SafeTensorsFile.Save(model, tensors, content.Metadata);
        AssertOneLineError(Run("play", "--run", run, "--episodes", "1", "--ascii"), $"tensor '{tensors[0].Key}' holds NaN at element 0");
        AssertOneLineError(Run("test", "--run", run), $"tensor '{tensors[0].Key}' holds NaN");
    }

    [Fact]
    public void PlotRefusesMetricsRecordsThatLackFields()
    {
        string run = TrainTiny("run");
        string metrics = Path.Combine(run, "metrics.jsonl");
        string good = File.ReadAllLines(metrics)[0];
        foreach (var (line, message) in new[] { ("{}", "a metrics record without a number 'step'"), ("{\"step\":1}", "a metrics record without a number 'train_loss'"), ("null", "not a metrics record"), ("[1]", "not a metrics record") })
        {
            File.WriteAllText(metrics, good + "\n" + line + "\n");
            AssertOneLineError(Run("plot", run, "--out", Path.Combine(Root, "curves.png")), $"{metrics}:2: {message}");
        }
    }

    [Fact]
    public void DataExportOfARunRefusesTaskOptions()
    {
        string run = TrainTiny("run");
        AssertOneLineError(Run("data", "export", "--run", run, "--pairs", "5", "--seed", "3", "--out", Path.Combine(Root, "data")), "--seed, --pairs cannot be given with it");
        Assert.False(Directory.Exists(Path.Combine(Root, "data")));
        Assert.Equal(0, Run("data", "export", "--run", run, "--out", Path.Combine(Root, "data")).Code);
    }
}
