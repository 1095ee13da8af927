using FastWeights.Training;

namespace FastWeights.Tests.Training;

/// <summary>Training with <c>--carry-state</c>: a resumed run continues the carried state exactly; models and tasks that cannot carry are refused.</summary>
public sealed class CarriedTrainingTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("fw-carry-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private TrainingConfig Config(string model = "deltanet")
    {
        string path = Path.Combine(root, "text.txt");
        if (!File.Exists(path))
        {
            SyntheticText.Write(path, 40_000, seed: 5);
        }
        return new TrainingConfig
        {
            Task = "lm",
            DataFile = path,
            Context = 32,
            CarryState = true,
            Model = model,
            DModel = 16,
            Layers = 1,
            Heads = 2,
            Steps = 6,
            Batch = 4,
            EvalEvery = 2,
            SaveEvery = 2,
            WarmupSteps = 1,
        };
    }

    [Fact]
    public void AResumedCarriedRunEqualsAnUninterruptedOne()
    {
        var config = Config();
        var full = Trainer.Train(config, Path.Combine(root, "full"));
        Assert.Equal(TrainingOutcome.Completed, full.Outcome);
        // The checkpoint holds the streams' state.
        var names = FastWeights.Serialization.SafeTensorsFile.ReadHeader(Path.Combine(root, "full", RunDirectory.CheckpointFile)).Tensors.Select(t => t.Name).ToList();
        Assert.Contains("carried_state.blocks.0.fast_weights", names);
        Assert.Contains("carried_state.blocks.0.v_history", names);
        string part = Path.Combine(root, "part");
        using (var cts = new CancellationTokenSource())
        {
            var stopped = Trainer.Train(config, part, new CancelAtStep(3, cts), cts.Token);
            Assert.Equal(TrainingOutcome.Interrupted, stopped.Outcome);
        }
        var resumed = Trainer.Resume(part);
        Assert.Equal(full.Test!.Loss, resumed.Test!.Loss);
        Assert.Equal(File.ReadAllText(Path.Combine(root, "full", RunDirectory.MetricsFile)).Split('\n').Select(Lossless), File.ReadAllText(Path.Combine(part, RunDirectory.MetricsFile)).Split('\n').Select(Lossless));
        // Without the saved state the resumed run would differ: one without carried state scores otherwise.
        var plain = Trainer.Train(config with { CarryState = false }, Path.Combine(root, "plain"));
        Assert.NotEqual(full.Test.Loss, plain.Test!.Loss);
    }

    // A metrics line without its wall-clock seconds.
    private static string Lossless(string line) => System.Text.RegularExpressions.Regex.Replace(line, "\"seconds\":[^,}]*", string.Empty);

    [Theory]
    [InlineData("transformer")]
    [InlineData("lstm")]
    [InlineData("fw-rnn")]
    public void ModelsThatCannotCarryAStateAreRefusedByName(string model)
    {
        var e = Assert.Throws<ArgumentException>(() => Config(model).Validate());
        Assert.Contains("--carry-state", e.Message);
        Assert.Contains($"--model {model} cannot", e.Message);
        Assert.Contains("deltanet", e.Message);
    }

    [Fact]
    public void CarriedStateIsForTheLanguageModellingTaskOnly()
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainingConfig { Task = "mqar", Model = "deltanet", CarryState = true }.Validate());
        Assert.Contains("--carry-state applies to --task lm", e.Message);
    }
}
