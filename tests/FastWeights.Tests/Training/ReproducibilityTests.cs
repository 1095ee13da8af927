using FastWeights.Kernels;
using FastWeights.Serialization;
using FastWeights.Training;

namespace FastWeights.Tests.Training;

/// <summary>
/// The same-machine half of docs/reproducibility.md: on one machine a seed gives the same run, bit for bit, whatever the
/// thread count (weights, metrics and result), for a model of every family on the tasks they train on. (Across
/// processors runs agree only within float rounding: the vector width is chosen at run time.)
/// </summary>
public sealed class ReproducibilityTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("fw-repro-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private TrainingConfig Config(string model, string task, int batch)
    {
        var config = new TrainingConfig
        {
            Model = model,
            Task = task,
            Steps = 12,
            Batch = batch,
            EvalEvery = 6,
            SaveEvery = 6,
            WarmupSteps = 2,
            TrainSize = 200,
            ValidationSize = 40,
            TestSize = 40,
            Hidden = 24,
            EmbeddingSize = 16,
            Pairs = 3,
            Vocab = 32,
            Length = 16,
            KvPairs = 3,
            DModel = 32,
            Layers = 2,
            Heads = 2,
        };
        if (task != "lm")
        {
            return config;
        }
        string path = Path.Combine(root, "text.txt");
        if (!File.Exists(path))
        {
            SyntheticText.Write(path, 30_000, seed: 3);
        }
        return config with { DataFile = path, Context = 64, CarryState = model is "deltanet" or "gated-deltanet" };
    }

    private static List<KeyValuePair<string, float[]>> Weights(string dir) =>
        [.. SafeTensorsFile.Load(Path.Combine(dir, RunDirectory.ModelFile)).ToList().Select(p => KeyValuePair.Create(p.Key, p.Value.ToArray()))];

    // Batches of 16 and more are data parallel (TrainingStep.Shards replicas, one per thread when there are two).
    [Theory]
    [InlineData("fw-rnn", "assoc", 8)]
    [InlineData("fw-rnn", "assoc", 16)]
    [InlineData("fw-rnn", "lm", 8)]
    [InlineData("fw-rnn", "lm", 16)]
    [InlineData("lstm", "mqar", 8)]
    [InlineData("gru-ln", "assoc", 20)]
    [InlineData("deltanet", "lm", 8)]
    [InlineData("deltanet", "mqar", 16)]
    [InlineData("gated-deltanet", "lm", 8)]
    [InlineData("linear-attention", "mqar", 8)]
    [InlineData("transformer", "mqar", 8)]
    [InlineData("transformer", "mqar", 16)]
    public void ASeedGivesTheSameRunBitForBitWhateverTheThreadCount(string model, string task, int batch)
    {
        var config = Config(model, task, batch);
        string one = Path.Combine(root, $"{model}-{task}-{batch}-1"), two = Path.Combine(root, $"{model}-{task}-{batch}-2");
        int saved = KernelThreads.MaxThreads;
        try
        {
            KernelThreads.MaxThreads = 1;
            Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config, one).Outcome);
            KernelThreads.MaxThreads = Math.Max(2, Environment.ProcessorCount);
            Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config, two).Outcome);
        }
        finally
        {
            KernelThreads.MaxThreads = saved;
        }
        Assert.Equal(Weights(one), Weights(two));
        Assert.Equal(TrainerTests.MetricsWithoutSeconds(one), TrainerTests.MetricsWithoutSeconds(two));
        // The result differs only in the timing keys (seconds, tokens per second, peak memory).
        static string Result(string dir) => string.Join('\n', File.ReadAllLines(Path.Combine(dir, RunDirectory.ResultFile))
            .Where(l => !l.Contains("seconds", StringComparison.Ordinal) && !l.Contains("per_second", StringComparison.Ordinal) && !l.Contains("peak_memory", StringComparison.Ordinal)));
        Assert.Equal(Result(one), Result(two));
        Assert.Contains("test_", Result(one), StringComparison.Ordinal);
    }
}
