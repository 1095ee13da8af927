using FastWeights.Optim;
using FastWeights.Serialization;
using FastWeights.Tensors;
using FastWeights.Tests.Cli;
using FastWeights.Training;

namespace FastWeights.Tests.Training;

/// <summary>Optimizers as plug-ins: chosen by name, checkpointed with their state, resumed bit-identically.</summary>
public sealed class OptimizerCatalogTests() : CliTestBase("fw-optim-")
{
    [Fact]
    public void NamesAreCaseInsensitiveAndUnknownNamesListTheValidOnes()
    {
        Assert.Equal("sgd", OptimizerCatalog.Find("SGD").Name);
        Assert.IsType<Adam>(OptimizerCatalog.Find("adam").Create([new("w", Tensor.Zeros(2))], 0.1f));
        var e = Assert.Throws<ArgumentException>(() => OptimizerCatalog.Find("lion"));
        Assert.Contains("adam, sgd", e.Message);
        Assert.Throws<ArgumentException>(() => (TrainerTests.Small() with { Optimizer = "lion" }).Validate());
    }

    [Fact]
    public void AnSgdRunDiffersFromAdamAndResumesBitIdentically()
    {
        var config = TrainerTests.Small(20) with { Optimizer = "sgd", LearningRate = 0.05f };
        string straight = Path.Combine(Root, "straight");
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config, straight).Outcome);
        string adam = Path.Combine(Root, "adam");
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config with { Optimizer = "adam" }, adam).Outcome);

        string interrupted = Path.Combine(Root, "interrupted");
        using (var cts = new CancellationTokenSource())
        {
            var stopped = Trainer.Train(config, interrupted, new CancelAtStep(7, cts), cts.Token);
            Assert.Equal(TrainingOutcome.Interrupted, stopped.Outcome);
        }
        Assert.Equal(TrainingOutcome.Completed, Trainer.Resume(interrupted).Outcome);

        var a = Weights(straight);
        Assert.Equal(a, Weights(interrupted));
        Assert.NotEqual(a, Weights(adam));
        // The resumable checkpoint holds SGD's momentum buffers, not Adam's moments.
        var names = SafeTensorsFile.Load(Path.Combine(straight, RunDirectory.CheckpointFile)).Names;
        Assert.Contains(names, n => n.Contains("momentum", StringComparison.Ordinal));
        Assert.DoesNotContain(SafeTensorsFile.Load(Path.Combine(adam, RunDirectory.CheckpointFile)).Names, n => n.Contains("momentum", StringComparison.Ordinal));
    }

    private static float[] Weights(string dir) =>
        [.. SafeTensorsFile.Load(Path.Combine(dir, RunDirectory.ModelFile)).ToList().SelectMany(p => p.Value.ToArray())];
}
