using FastWeights.Serialization;
using FastWeights.Training;

namespace FastWeights.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "fw-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }
    }

    internal static TrainingConfig Small(int steps = 30) => new()
    {
        Model = "fw-rnn",
        Hidden = 16,
        Pairs = 2,
        EmbeddingSize = 16,
        Steps = steps,
        Batch = 32,
        TrainSize = 2000,
        ValidationSize = 200,
        TestSize = 200,
        EvalEvery = 10,
        SaveEvery = 10,
        WarmupSteps = 5,
    };

    [Fact]
    public void FastWeightsLearnAReducedRetrievalProblem()
    {
        // The paper's network (E = 100, R = 50) on a reduced task, K = 2 pairs, 1000 steps: learned in seconds.
        var config = new TrainingConfig { Pairs = 2, Steps = 1000, TrainSize = 20_000, ValidationSize = 500, TestSize = 1000, EvalEvery = 500, SaveEvery = 1000 };
        var result = Trainer.Train(config, Path.Combine(root, "learn"));
        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.True(result.Test!.Accuracy > 0.95, $"test accuracy {result.Test.Accuracy} should exceed 95% (chance is 10%)");
    }

    [Fact]
    public void ResumingAnInterruptedRunGivesTheSameWeights()
    {
        var config = Small(30);
        string straight = Path.Combine(root, "straight");
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config, straight).Outcome);

        string interrupted = Path.Combine(root, "interrupted");
        using var cts = new CancellationTokenSource();
        var stopper = new CancelAtStep(13, cts);
        var first = Trainer.Train(config, interrupted, stopper, cts.Token);
        Assert.Equal(TrainingOutcome.Interrupted, first.Outcome);
        Assert.Equal(13, first.Step);
        var resumed = Trainer.Resume(interrupted);
        Assert.Equal(TrainingOutcome.Completed, resumed.Outcome);

        var a = SafeTensorsFile.Load(Path.Combine(straight, RunDirectory.ModelFile)).ToList();
        var b = SafeTensorsFile.Load(Path.Combine(interrupted, RunDirectory.ModelFile)).ToList();
        Assert.Equal(a.Select(p => p.Key), b.Select(p => p.Key));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Value.ToArray(), b[i].Value.ToArray()); // bit-identical weights
        }
        Assert.Equal(resumed.Test!.Accuracy, Trainer.Resume(straight).Test!.Accuracy);
        var steps = File.ReadAllLines(Path.Combine(interrupted, RunDirectory.MetricsFile)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32());
        Assert.Equal([10, 20, 30], steps);
        // Every metrics line, the one built across the interruption included, equals the uninterrupted run's (bar the wall-clock seconds).
        Assert.Equal(MetricsWithoutSeconds(straight), MetricsWithoutSeconds(interrupted));
    }

    [Fact]
    public void ResumeRemovesTheTemporariesOfKilledSavesAndNothingElse()
    {
        string dir = Path.Combine(root, "stale");
        using (var cts = new CancellationTokenSource())
        {
            Assert.Equal(TrainingOutcome.Interrupted, Trainer.Train(Small(20), dir, new CancelAtStep(10, cts), cts.Token).Outcome);
        }
        // What kills during saves leave: a truncated 64 KiB weights file and the temporaries of the other atomic writes.
        string[] stale =
        [
            ".model.safetensors.0123456789abcdef0123456789abcdef.tmp", ".checkpoint.safetensors.fedcba98765432100123456789abcdef.tmp",
            ".config.json.4242.tmp", ".metrics.jsonl.17.tmp", ".result.json.99999.tmp", "..lock.owner.31337.tmp",
        ];
        // Names close to those but not what our writers make, and other files: all kept.
        string[] kept =
        [
            ".model.safetensors.0123456789ABCDEF0123456789ABCDEF.tmp", ".model.safetensors.0123456789abcdef0123456789abcde.tmp",
            ".model.safetensors.4242.tmp", ".config.json.0123456789abcdef0123456789abcdef.tmp", ".config.json.12a.tmp", ".config.json.-5.tmp",
            ".config.json.042.tmp", ".lock.owner.31337.tmp", ".notes.txt.4242.tmp", "config.json.4242.tmp", ".config.json.4242.tmp.bak", "notes.txt",
        ];
        foreach (string name in stale.Concat(kept))
        {
            File.WriteAllBytes(Path.Combine(dir, name), new byte[name.StartsWith(".model", StringComparison.Ordinal) ? 65536 : 10]);
        }
        Directory.CreateDirectory(Path.Combine(dir, ".metrics.jsonl.18.tmp"));

        var observer = new MessageRecorder();
        Assert.Equal(TrainingOutcome.Completed, Trainer.Resume(dir, observer).Outcome);
        Assert.All(stale, name => Assert.False(File.Exists(Path.Combine(dir, name)), name));
        Assert.All(kept, name => Assert.True(File.Exists(Path.Combine(dir, name)), name));
        Assert.True(Directory.Exists(Path.Combine(dir, ".metrics.jsonl.18.tmp")));
        string message = Assert.Single(observer.Messages, m => m.StartsWith("removed", StringComparison.Ordinal));
        Assert.StartsWith($"removed 6 temporary files left in {dir} by an interrupted save: ", message);
        Assert.All(stale, name => Assert.Contains(name, message));

        // Nothing left to remove: no message.
        observer = new MessageRecorder();
        Trainer.Resume(dir, observer);
        Assert.DoesNotContain(observer.Messages, m => m.StartsWith("removed", StringComparison.Ordinal));

        // A first train killed while writing its configuration leaves only a temporary: a new train there removes it.
        string fresh = Path.Combine(root, "stale-fresh");
        Directory.CreateDirectory(fresh);
        File.WriteAllText(Path.Combine(fresh, ".config.json.4242.tmp"), "{\"mod");
        observer = new MessageRecorder();
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(Small(5), fresh, observer).Outcome);
        Assert.Contains($"removed 1 temporary file left in {fresh} by an interrupted save: .config.json.4242.tmp", observer.Messages);
        Assert.Empty(Directory.GetFiles(fresh, ".*.tmp"));
    }

    private sealed class MessageRecorder : ITrainingObserver
    {
        public List<string> Messages { get; } = [];

        public void OnStep(int step, int totalSteps, double loss, double accuracy, double stepsPerSecond)
        {
        }

        public void OnEvaluation(MetricsRecord record)
        {
        }

        public void OnMessage(string message) => Messages.Add(message);
    }

    [Fact]
    public void ResumeWithoutACheckpointRefusesToOverwriteResults()
    {
        string dir = Path.Combine(root, "no-checkpoint");
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(Small(10), dir).Outcome);
        File.Delete(Path.Combine(dir, RunDirectory.CheckpointFile));
        byte[] weights = File.ReadAllBytes(Path.Combine(dir, RunDirectory.ModelFile));
        var e = Assert.Throws<IOException>(() => Trainer.Resume(dir));
        Assert.Contains("no checkpoint.safetensors to resume from", e.Message);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(dir, RunDirectory.ModelFile)));
        // A run that died before its first checkpoint (a config and maybe a metrics line) still starts over.
        string fresh = Path.Combine(root, "died-early");
        Directory.CreateDirectory(fresh);
        File.WriteAllText(Path.Combine(fresh, RunDirectory.ConfigFile), Small(10).ToJson());
        File.WriteAllText(Path.Combine(fresh, RunDirectory.MetricsFile), File.ReadAllLines(Path.Combine(dir, RunDirectory.MetricsFile))[0] + "\n");
        Assert.Equal(TrainingOutcome.Completed, Trainer.Resume(fresh).Outcome);
    }

    [Fact]
    public void TrainRefusesADirectoryWithWeightsThatIsNotARun()
    {
        string dir = Path.Combine(root, "foreign");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, RunDirectory.ModelFile), "someone's weights");
        var e = Assert.Throws<IOException>(() => Trainer.Train(Small(10), dir));
        Assert.Contains("refusing to overwrite", e.Message);
        Assert.Equal("someone's weights", File.ReadAllText(Path.Combine(dir, RunDirectory.ModelFile)));
    }

    [Fact]
    public void ATornLastMetricsLineIsDroppedAndOtherDamageIsNamed()
    {
        var config = Small(20) with { SaveEvery = 10 };
        string dir = Path.Combine(root, "torn");
        using (var cts = new CancellationTokenSource())
        {
            Assert.Equal(TrainingOutcome.Interrupted, Trainer.Train(config, dir, new CancelAtStep(10, cts), cts.Token).Outcome);
        }
        string metrics = Path.Combine(dir, RunDirectory.MetricsFile);
        string good = File.ReadAllText(metrics);
        // What a power cut leaves: half a record at the end.
        File.WriteAllText(metrics, good + "{\"step\":20,\"train_lo");
        Assert.Equal(TrainingOutcome.Completed, Trainer.Resume(dir).Outcome);
        Assert.Equal([10, 20], File.ReadAllLines(metrics).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()));

        string damaged = Path.Combine(root, "damaged");
        using (var cts = new CancellationTokenSource())
        {
            Trainer.Train(config, damaged, new CancelAtStep(10, cts), cts.Token);
        }
        string damagedMetrics = Path.Combine(damaged, RunDirectory.MetricsFile);
        File.WriteAllText(damagedMetrics, "not json\n" + File.ReadAllText(damagedMetrics));
        Assert.Contains("metrics.jsonl:1: not a metrics record", Assert.Throws<FormatException>(() => Trainer.Resume(damaged)).Message);
        File.WriteAllText(damagedMetrics, "{\"loss\": 1}\n{\"step\": 5}\n");
        Assert.Contains("metrics.jsonl:1: a metrics record without an integer 'step'", Assert.Throws<FormatException>(() => Trainer.Resume(damaged)).Message);
    }

    [Theory]
    [InlineData(null, "lacks 'step'")]
    [InlineData("-3", "'step' is not a number of 0 or more")]
    [InlineData("ten", "'step' is not a number of 0 or more")]
    public void CheckpointBookkeepingThatIsMissingOrMalformedIsAFormatError(string? step, string expected)
    {
        string dir = Path.Combine(root, "meta-" + (step ?? "none"));
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(Small(10), dir).Outcome);
        var model = RunDirectory.CreateModel(Small(10), new FastWeights.Tensors.Rng(1));
        var optimizer = FastWeights.Optim.OptimizerCatalog.Find("adam").Create(model.NamedParameters(), 1e-3f);
        var meta = new Dictionary<string, string> { ["seconds"] = "1", ["format"] = "fastweights-checkpoint-1" };
        if (step is not null)
        {
            meta["step"] = step;
        }
        FastWeights.Serialization.ModuleCheckpoint.Save(model, Path.Combine(dir, RunDirectory.CheckpointFile), meta, optimizer);
        var e = Assert.Throws<FastWeights.Serialization.CheckpointFormatException>(() => Trainer.Resume(dir));
        Assert.Contains(expected, e.Message);
        Assert.Contains(RunDirectory.CheckpointFile, e.Message);
    }

    /// <summary>A run's metrics lines without their wall-clock seconds (which differ between equal runs).</summary>
    internal static string[] MetricsWithoutSeconds(string dir) =>
        [.. File.ReadAllLines(Path.Combine(dir, RunDirectory.MetricsFile)).Select(l =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(l)!.AsObject();
            node.Remove("seconds");
            return node.ToJsonString();
        })];

    [Fact]
    public void ANonFiniteLossStopsTrainingAndKeepsTheLastGoodCheckpoint()
    {
        var config = Small(50) with { LearningRate = 1e30f, WarmupSteps = 0, SaveEvery = 1, ClipNorm = 1e30f };
        string dir = Path.Combine(root, "nan");
        var result = Trainer.Train(config, dir);
        Assert.Equal(TrainingOutcome.Diverged, result.Outcome);
        Assert.Contains("loss became", result.Message);
        var meta = SafeTensorsFile.Load(Path.Combine(dir, RunDirectory.CheckpointFile)).Metadata;
        Assert.Equal(result.Step.ToString(System.Globalization.CultureInfo.InvariantCulture), meta["step"]);
        var (_, network) = RunDirectory.LoadNetwork(dir);
        Assert.All(network.Parameters(), p => Assert.All(p.ToArray(), v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void AFiniteLossFarAboveItsBestForLongStopsTrainingAndSaysWhatIsKept()
    {
        // --lr 1e4: the loss stays finite (about 10¹²) at chance accuracy; the run must stop, not finish with exit 0.
        var config = Small(400) with { LearningRate = 1e4f, WarmupSteps = 0, SaveEvery = 1000, EvalEvery = 1000 };
        string dir = Path.Combine(root, "rise");
        var result = Trainer.Train(config, dir);
        Assert.Equal(TrainingOutcome.Diverged, result.Outcome);
        Assert.True(result.Step < 400, $"stopped at {result.Step}");
        Assert.Contains("stayed above", result.Message);
        Assert.Contains("no checkpoint was written before it", result.Message);
        Assert.False(File.Exists(Path.Combine(dir, RunDirectory.ModelFile)));

        // With checkpoints before the divergence, the message names the kept one.
        string saved = Path.Combine(root, "rise-saved");
        var again = Trainer.Train(config with { SaveEvery = 20 }, saved);
        Assert.Equal(TrainingOutcome.Diverged, again.Outcome);
        string step = SafeTensorsFile.Load(Path.Combine(saved, RunDirectory.CheckpointFile)).Metadata["step"];
        Assert.Contains($"the last checkpoint (step {step}) is kept", again.Message);
    }

    [Fact]
    public void TheDivergenceRuleIgnoresSpikesAndLearningAndCatchesASustainedRise()
    {
        var rule = new DivergenceRule();
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(rule.Observe(2.3 * Math.Exp(-i / 100.0))); // learning
        }
        for (int i = 0; i < DivergenceRule.Patience - 1; i++)
        {
            Assert.False(rule.Observe(1e6)); // a spike shorter than the patience
        }
        for (int i = 0; i < 200; i++)
        {
            Assert.False(rule.Observe(0.01));
        }
        int steps = 0;
        while (!rule.Observe(1e6))
        {
            steps++;
        }
        Assert.InRange(steps, DivergenceRule.Patience - 1, DivergenceRule.Patience + 5);
        // Its state survives a checkpoint.
        var meta = new Dictionary<string, string>();
        rule.Save(meta);
        var restored = new DivergenceRule();
        Assert.True(restored.TryRestore(meta));
        Assert.Equal((rule.Smoothed, rule.Best, rule.StepsAbove), (restored.Smoothed, restored.Best, restored.StepsAbove));
        meta["divergence_best"] = "x";
        Assert.False(new DivergenceRule().TryRestore(meta));
    }

    [Fact]
    public void ARunDirectoryIsNeverOverwritten()
    {
        string dir = Path.Combine(root, "once");
        Trainer.Train(Small(5), dir);
        var e = Assert.Throws<IOException>(() => Trainer.Train(Small(5), dir));
        Assert.Contains("--resume", e.Message);
    }
}
