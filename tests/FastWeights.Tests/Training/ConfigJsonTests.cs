using System.Text.Json.Nodes;
using FastWeights.Training;

namespace FastWeights.Tests.Training;

/// <summary>config.json is read strictly (issue 16, item 9): every key known, once, and present for the file's format.</summary>
public sealed class ConfigJsonTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    private readonly string root = Path.Combine(Path.GetTempPath(), "fw-config-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }
    }

    /// <summary>
    /// The config.json of every format on record loads: format 1 (no "format" key, the settings of the first run
    /// directories) and format 2. A new setting needs a new format (and a fixture of it), or these files stop loading.
    /// </summary>
    [Fact]
    public void ConfigJsonOfEveryFormatOnRecordLoads()
    {
        foreach (string run in Directory.GetDirectories(Path.Combine(Fixtures, "Runs")))
        {
            Assert.False(JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunDirectory.ConfigFile)))!.AsObject().ContainsKey("format"));
            var config = RunDirectory.ReadConfig(run);
            // Settings added after format 1 take their defaults, which is what those runs did.
            Assert.Equal("adam", config.Optimizer);
        }
        string formatTwo = Path.Combine(Fixtures, "Configs", "format-2.json");
        var two = TrainingConfig.FromJson(File.ReadAllText(formatTwo), formatTwo);
        // Files before format 7 take the MQAR layout of their day, answered.
        Assert.Equal(new TrainingConfig { Steps = 2, Batch = 4, EvalEvery = 1, SaveEvery = 1, TrainSize = 50, ValidationSize = 10, TestSize = 10, Pairs = 2, Hidden = 8, QueryLayout = "answered", Shards = 1 }, two);
        // Format 2 lacks the language-modelling settings (format 3): they take their defaults.
        string formatThree = Path.Combine(Fixtures, "Configs", "format-3.json");
        var three = TrainingConfig.FromJson(File.ReadAllText(formatThree), formatThree);
        Assert.Equal(two with { Task = "lm", DataFile = "kjv.txt", Context = 64, Model = "deltanet" }, three);
        // Format 3 lacks --carry-state (format 4): it takes its default, off.
        string formatFour = Path.Combine(Fixtures, "Configs", "format-4.json");
        var four = TrainingConfig.FromJson(File.ReadAllText(formatFour), formatFour);
        Assert.Equal(three with { CarryState = true }, four);
        // Format 4 lacks --tokenizer (format 5): it takes its default, bytes.
        string formatFive = Path.Combine(Fixtures, "Configs", "format-5.json");
        var five = TrainingConfig.FromJson(File.ReadAllText(formatFive), formatFive);
        Assert.Equal("byte", four.Tokenizer);
        Assert.Equal(four with { Tokenizer = "char" }, five);
        // Format 6 holds only the settings of its model on its task: the others (here the assoc task's K, the recurrent
        // models' R) take their defaults.
        string formatSix = Path.Combine(Fixtures, "Configs", "format-6.json");
        var six = TrainingConfig.FromJson(File.ReadAllText(formatSix), formatSix);
        Assert.Equal(five with { Pairs = new TrainingConfig().Pairs, Hidden = new TrainingConfig().Hidden, DModel = 32, Heads = 4 }, six);
        Assert.True(six.SameRunAs(TrainingConfig.FromJson(six.ToJson(), formatSix)));
        // Format 7 adds mqar's --query-layout, whose default (zoology) is not what older runs did: a file of an older
        // format without it takes theirs, answered.
        string formatSeven = Path.Combine(Fixtures, "Configs", "format-7.json");
        var seven = TrainingConfig.FromJson(File.ReadAllText(formatSeven), formatSeven);
        Assert.Equal(six with { Task = "mqar", DataFile = null, Context = new TrainingConfig().Context, CarryState = false, Tokenizer = "byte", Vocab = 64, Length = 32, KvPairs = 4, QueryLayout = "zoology" }, seven);
        Assert.True(seven.SameRunAs(TrainingConfig.FromJson(seven.ToJson(), formatSeven)));
        string olderSeven = Without(File.ReadAllText(formatSeven).Replace("\"format\": 7", "\"format\": 6", StringComparison.Ordinal), "query_layout");
        Assert.Equal(seven with { QueryLayout = "answered" }, TrainingConfig.FromJson(olderSeven, formatSeven));
        Assert.Equal("answered", RunDirectory.ReadConfig(Directory.GetDirectories(Path.Combine(Fixtures, "Runs")).First(d => d.Contains("deltanet", StringComparison.Ordinal))).QueryLayout);
        // Format 8 adds the fast weight programmers' conventions and sizes (for 'import fla'); older files take this
        // library's conventions, what they ran.
        Assert.Equal("fastweights", seven.Conventions);
        string formatEight = Path.Combine(Fixtures, "Configs", "format-8.json");
        var eight = TrainingConfig.FromJson(File.ReadAllText(formatEight), formatEight);
        Assert.Equal(seven with { Model = "gated-deltanet", Task = "lm", Vocab = new TrainingConfig().Vocab, Length = new TrainingConfig().Length, KvPairs = new TrainingConfig().KvPairs, Tokenizer = "byte", Context = 64, DataFile = "kjv.txt", Conventions = "fla", KeyDim = 8, ValueDim = 16, MlpSize = 48, NormEps = 1e-6f, QueryLayout = new TrainingConfig().QueryLayout }, eight);
        // Format 9 adds --shards, whose default (2, data parallel) is not what older runs did: they take 1.
        Assert.Equal(1, eight.Shards);
        Assert.Equal(1, seven.Shards);
        string formatNine = Path.Combine(Fixtures, "Configs", "format-9.json");
        var nine = TrainingConfig.FromJson(File.ReadAllText(formatNine), formatNine);
        Assert.Equal(eight with { Shards = 2 }, nine);
        Assert.Equal(File.ReadAllText(formatNine), nine.ToJson() + "\n");
        Assert.Equal(TrainingConfig.ConfigFormat, (int)JsonNode.Parse(new TrainingConfig().ToJson())!["format"]!);
    }

    [Theory]
    [InlineData("{}", "key 'model' is missing")]
    [InlineData("[]", "a configuration is a JSON object")]
    [InlineData("drop seed", "key 'seed' is missing")]
    [InlineData("drop optimizer", "key 'optimizer' is missing (a config.json of format 9 holds the settings of model deltanet on task lm)")]
    [InlineData("drop context", "key 'context' is missing (a config.json of format 9")]
    [InlineData("drop carry_state", "key 'carry_state' is missing (a config.json of format 9")]
    [InlineData("drop tokenizer", "key 'tokenizer' is missing (a config.json of format 9")]
    [InlineData("drop heads", "key 'heads' is missing (a config.json of format 9 holds the settings of model deltanet on task lm)")]
    [InlineData("add lambda", "key 'lambda' is not a setting of model deltanet on task lm (a config.json of format 9 holds only the settings its run reads)")]
    [InlineData("add pairs", "key 'pairs' is not a setting of model deltanet on task lm")]
    [InlineData("model x", "unknown model 'x'; valid models: fw-rnn")]
    [InlineData("add sed", "unknown key 'sed'")]
    [InlineData("repeat seed", "key 'seed' appears more than once")]
    [InlineData("format 10", "'format' is 10; this fastweights reads formats 1 to 9")]
    [InlineData("format 1 without hidden", "key 'hidden' is missing (a config.json of format 1 holds every setting)")]
    [InlineData("format 5 with format 9 keys", "key 'gamma' is missing, and 20 more (a config.json of format 5 holds every setting)")]
    [InlineData("seed text", "$.seed")]
    public void NonsenseConfigJsonIsRefusedNamingTheFileAndTheKey(string edit, string expected)
    {
        string good = new TrainingConfig { Model = "deltanet", Task = "lm", DataFile = "kjv.txt" }.ToJson();
        string json = edit switch
        {
            "drop seed" => Without(good, "seed"),
            "drop optimizer" => Without(good, "optimizer"),
            "add sed" => good.Replace("\"seed\": 1", "\"seed\": 1, \"sed\": 2", StringComparison.Ordinal),
            "add lambda" => good.Replace("\"seed\": 1", "\"seed\": 1, \"lambda\": 0.9", StringComparison.Ordinal),
            "add pairs" => good.Replace("\"seed\": 1", "\"seed\": 1, \"pairs\": 4", StringComparison.Ordinal),
            "model x" => good.Replace("\"model\": \"deltanet\"", "\"model\": \"x\"", StringComparison.Ordinal),
            "repeat seed" => good.Replace("\"seed\": 1", "\"seed\": 1, \"seed\": 2", StringComparison.Ordinal),
            "format 10" => good.Replace("\"format\": 9", "\"format\": 10", StringComparison.Ordinal),
            "drop context" => Without(good, "context"),
            "drop carry_state" => Without(good, "carry_state"),
            "drop tokenizer" => Without(good, "tokenizer"),
            "drop heads" => Without(good, "heads"),
            "format 1 without hidden" => Without(Without(File.ReadAllText(Path.Combine(Fixtures, "Configs", "format-2.json")), "format"), "hidden"),
            // A format-5 file holds every setting, those its run does not read too.
            "format 5 with format 9 keys" => good.Replace("\"format\": 9", "\"format\": 5", StringComparison.Ordinal),
            "seed text" => good.Replace("\"seed\": 1", "\"seed\": \"one\"", StringComparison.Ordinal),
            _ => edit,
        };
        Assert.NotEqual(good, json);
        var e = Assert.Throws<FormatException>(() => TrainingConfig.FromJson(json, "runs/x/config.json"));
        Assert.StartsWith("runs/x/config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>
    /// A run's config.json describes the model it belongs to (issue 17): for each model family on each kind of task it
    /// holds that model's settings and that task's, and none of the others; each reads back to the same configuration.
    /// </summary>
    [Theory]
    [InlineData("fw-rnn", "assoc", "pairs,hidden,embedding_size,lambda,eta,inner_steps,form", "vocab,length,d_model,heads,context,gamma,size")]
    [InlineData("lstm", "assoc", "pairs,hidden,embedding_size", "lambda,eta,form,d_model")]
    [InlineData("deltanet", "assoc", "pairs,d_model,layers,heads,mlp_ratio,short_conv", "hidden,embedding_size,lambda,vocab,length,kv_pairs")]
    [InlineData("transformer", "mqar", "vocab,length,kv_pairs,d_model,layers,heads,mlp_ratio", "short_conv,hidden,pairs")]
    [InlineData("fw-rnn", "mqar", "vocab,length,kv_pairs,d_model,layers,mlp_ratio,hidden,lambda,eta,inner_steps,form", "heads,short_conv,embedding_size,pairs")]
    [InlineData("deltanet", "lm", "data_file,context,carry_state,tokenizer,d_model,heads,short_conv", "hidden,lambda,pairs,vocab,length,gamma")]
    [InlineData("fw-rnn", "glimpses", "data_dir,validation_fraction,hidden,lambda,eta,inner_steps,form", "embedding_size,d_model,heads,pairs")]
    [InlineData("convnet", "glimpses", "data_dir,validation_fraction,hidden", "lambda,embedding_size,d_model")]
    [InlineData("fw-rnn", "catch", "gamma,n_step,entropy_weight,value_weight,eval_episodes,test_episodes,size,blank_after,paddle_width,hidden,lambda,eta", "embedding_size,d_model,pairs,vocab")]
    public void AConfigHoldsTheSettingsOfItsModelOnItsTaskOnly(string model, string task, string held, string notHeld)
    {
        var config = new TrainingConfig { Model = model, Task = task, DataFile = task == "lm" ? "kjv.txt" : null, DataDir = task == "glimpses" ? "mnist" : null };
        var json = JsonNode.Parse(config.ToJson())!.AsObject();
        foreach (string key in new[] { "format", "model", "task", "steps", "batch", "seed", "optimizer", "learning_rate", "clip_norm" }.Concat(held.Split(',')))
        {
            Assert.True(json.ContainsKey(key), $"{model} on {task}: config.json lacks '{key}'");
        }
        foreach (string key in notHeld.Split(','))
        {
            Assert.False(json.ContainsKey(key), $"{model} on {task}: config.json holds '{key}', which the run does not read");
        }
        Assert.Equal(config, TrainingConfig.FromJson(config.ToJson(), "config.json"));
    }

    /// <summary>A run whose config.json was edited after its checkpoint (here the seed: other data) is not resumed.</summary>
    [Fact]
    public void AResumeRefusesAConfigEditedSinceTheCheckpoint()
    {
        string dir = Path.Combine(root, "edited");
        using (var cts = new CancellationTokenSource())
        {
            Assert.Equal(TrainingOutcome.Interrupted, Trainer.Train(TrainerTests.Small(20), dir, new CancelAtStep(10, cts), cts.Token).Outcome);
        }
        string path = Path.Combine(dir, RunDirectory.ConfigFile);
        string original = File.ReadAllText(path);
        File.WriteAllText(path, original.Replace("\"seed\": 1", "\"seed\": 2", StringComparison.Ordinal).Replace("\"learning_rate\": 0.002", "\"learning_rate\": 1", StringComparison.Ordinal));
        var e = Assert.Throws<FormatException>(() => Trainer.Resume(dir));
        Assert.Contains($"{path} was edited since checkpoint.safetensors was written: seed is 2 in it but was 1; learning_rate is 1 in it but was 0.002", e.Message);
        // Put back, it resumes.
        File.WriteAllText(path, original);
        Assert.Equal(TrainingOutcome.Completed, Trainer.Resume(dir).Outcome);
    }

    private static string Without(string json, string key)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.True(node.Remove(key));
        return node.ToJsonString();
    }
}
