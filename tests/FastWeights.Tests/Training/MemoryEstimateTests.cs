using FastWeights.Models;
using FastWeights.Nn;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;
using FastWeights.Training.Reinforcement;

namespace FastWeights.Tests.Training;

/// <summary>The memory estimate of a run: its parts follow the models, and runs that cannot fit are refused before anything is allocated.</summary>
public sealed class MemoryEstimateTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "fw-memory-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }
    }

    // Small configurations of every model on every task it trains on (the glimpse task is not read: only built).
    public static TheoryData<string, string> ModelsAndTasks()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in ModelCatalog.All)
        {
            foreach (string task in new[] { "assoc", "mqar", "glimpses", "catch" })
            {
                var config = Config(model.Name, task);
                bool trains = TaskCatalog.IsReinforcement(config) ? model.CanAct : model.TrainsOn(TaskCatalog.Create(config));
                if (trains)
                {
                    data.Add(model.Name, task);
                }
            }
        }
        return data;
    }

    private static TrainingConfig Config(string model, string task) => new()
    {
        Model = model,
        Task = task,
        Hidden = 6,
        EmbeddingSize = 5,
        DModel = 8,
        Heads = 2,
        Layers = 2,
        Vocab = 32,
        Length = 16,
        KvPairs = 2,
        Size = 6,
        BlankAfter = 2,
        DataDir = "not-read",
        Batch = 4,
    };

    [Theory]
    [MemberData(nameof(ModelsAndTasks))]
    public void TheParameterCountIsTheModels(string model, string task)
    {
        var config = Config(model, task);
        Module built = TaskCatalog.IsReinforcement(config)
            ? ActorCriticTrainer.CreateAgent(config, out _, out _)
            : ModelCatalog.Find(model).Create(config, TaskCatalog.Create(config), new Rng(1));
        double actual = built.Parameters().Sum(p => (double)p.Length);
        Assert.Equal(actual, MemoryEstimate.ForTraining(config).ParameterCount);
    }

    [Fact]
    public void TheEvaluationBatchesAreTheModels()
    {
        var mqar = Config("deltanet", "mqar");
        var assoc = Config("lstm", "assoc");
        var images = Config("fw-rnn", "glimpses");
        Assert.Equal(MemoryEstimate.SequenceModelEvaluationBatch, RunDirectory.CreateModel(mqar, new Rng(1)).EvaluationBatch);
        Assert.Equal(MemoryEstimate.RecurrentEvaluationBatch, RunDirectory.CreateModel(assoc, new Rng(1)).EvaluationBatch);
        Assert.Equal(MemoryEstimate.RecurrentEvaluationBatch, RunDirectory.CreateModel(images, new Rng(1)).EvaluationBatch);
        Assert.Equal(MemoryEstimate.ConvNetEvaluationBatch, RunDirectory.CreateModel(images with { Model = "convnet" }, new Rng(1)).EvaluationBatch);
    }

    [Fact]
    public void ThePartsGrowWithTheSettingsTheyCount()
    {
        var small = MemoryEstimate.ForTraining(new TrainingConfig());
        Assert.True(MemoryEstimate.ForTraining(new TrainingConfig { TrainSize = 1_000_000 }).DataBytes > 5 * small.DataBytes);
        Assert.True(MemoryEstimate.ForTraining(new TrainingConfig { Batch = 10_000 }).ActivationBytes > 10 * small.ActivationBytes);
        Assert.True(MemoryEstimate.ForTraining(new TrainingConfig { Hidden = 1000 }).ParameterBytes > 50 * small.ParameterBytes);
        // Evaluation keeps no gradients nor optimizer state, and leaves the data out when asked to.
        var evaluation = MemoryEstimate.ForEvaluation(new TrainingConfig(), withData: false);
        Assert.Equal(0, evaluation.DataBytes);
        Assert.True(evaluation.ParameterBytes < small.ParameterBytes);
    }

    [Fact]
    public void ARunTooLargeForItsMemoryIsRefusedWithTheEstimate()
    {
        // --hidden 4000: 16 million recurrent weights, and a partial gradient of them per chunk of an evaluation batch;
        // about 6 GB, here against a 1 GB limit.
        var config = new TrainingConfig { Hidden = 4000, MaxMemoryGb = 1 };
        var e = Assert.Throws<ArgumentException>(() => MemoryEstimate.ForTraining(config).EnsureFits(config));
        Assert.Matches(@"^this run needs about [\d.]+ GB \(data [\d.]+ GB, parameters and optimizer state [\d.]+ GB, activations [\d.]+ GB\), more than the --max-memory-gb limit of 1\.0 GB; lower the sizes, or use --max-memory-gb to override$", e.Message);
        // The limit lifted, it is accepted (nothing is allocated by the estimate).
        (config with { MaxMemoryGb = 100 }).Validate();
        MemoryEstimate.ForTraining(config with { MaxMemoryGb = 100 }).EnsureFits(config with { MaxMemoryGb = 100 });
    }

    [Fact]
    public void WithoutALimitTheMachinesMemoryIsTheBound()
    {
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, MemoryEstimate.AvailableBytes(new TrainingConfig()));
        // 100,000 blocks of D = 4096: 27 TB of weights, more than any machine, though no one array is too large.
        var config = new TrainingConfig { Model = "deltanet", Task = "mqar", DModel = 4096, Layers = 100_000 };
        var e = Assert.Throws<ArgumentException>(() => MemoryEstimate.ForTraining(config).EnsureFits(config));
        Assert.Contains("GB this machine has; lower the sizes, or use --max-memory-gb to override", e.Message);
        Assert.Contains("--max-memory-gb must be", Assert.Throws<ArgumentException>(() => new TrainingConfig { MaxMemoryGb = -1 }.Validate()).Message);
    }

    [Theory]
    [InlineData("mqar", "--length", int.MaxValue)]
    [InlineData("assoc", "--batch", int.MaxValue)]
    [InlineData("assoc", "--train-size", int.MaxValue)]
    [InlineData("catch", "--batch", 100_000_000)]
    public void SizesBeyondTheLargestArrayAreACleanErrorWhateverTheLimit(string task, string flag, int value)
    {
        // Zoology's MQAR layout refuses a length as long as this below its vocabulary first; the answered layout takes it.
        var config = new TrainingConfig { Task = task, Model = task == "mqar" ? "deltanet" : "fw-rnn", MaxMemoryGb = 1e12, QueryLayout = task == "mqar" ? "answered" : "zoology" };
        config = flag switch
        {
            "--length" => config with { Length = value },
            "--batch" => config with { Batch = value },
            _ => config with { TrainSize = value },
        };
        var e = Assert.Throws<ArgumentException>(() => MemoryEstimate.ForTraining(config).EnsureFits(config));
        Assert.Contains("more than the 2,147,483,591 one .NET array holds", e.Message);
    }

    [Fact]
    public void TrainRefusesBeforeMakingTheDirectory()
    {
        string dir = Path.Combine(root, "huge");
        var config = TrainerTests.Small() with { Hidden = 4000, MaxMemoryGb = 1 };
        Assert.Throws<ArgumentException>(() => Trainer.Train(config, dir));
        Assert.False(Directory.Exists(dir));
        // The same call is refused the same way, not as a directory that holds a run.
        Assert.Contains("needs about", Assert.Throws<ArgumentException>(() => Trainer.Train(config, dir)).Message);
    }

    [Fact]
    public void ARunThatCannotLoadItsImagesLeavesNoRunBehind()
    {
        string images = Path.Combine(root, "no-images");
        Directory.CreateDirectory(images);
        var config = TrainerTests.Small() with { Task = "glimpses", DataDir = images };
        string fresh = Path.Combine(root, "fresh");
        Assert.Throws<FileNotFoundException>(() => Trainer.Train(config, fresh));
        Assert.False(Directory.Exists(fresh));

        // A directory that existed is kept, without a configuration, so the same command can run again.
        string existing = Path.Combine(root, "existing");
        Directory.CreateDirectory(existing);
        Assert.Throws<FileNotFoundException>(() => Trainer.Train(config, existing));
        Assert.False(File.Exists(Path.Combine(existing, RunDirectory.ConfigFile)));
        Assert.False(File.Exists(Path.Combine(existing, RunDirectory.MetricsFile)));
        Assert.Throws<FileNotFoundException>(() => Trainer.Train(config, existing));
    }

    [Fact]
    public void LoadingARunWithAHugeTestSplitIsRefusedBeforeTheDataAreMade()
    {
        string dir = Path.Combine(root, "run");
        var config = TrainerTests.Small(2);
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config, dir).Outcome);
        // config.json edited to 50 million test examples (about 9 GB of data) on a run limited to 1 GB.
        File.WriteAllText(Path.Combine(dir, RunDirectory.ConfigFile), (config with { TestSize = 50_000_000, MaxMemoryGb = 1 }).ToJson());
        var (loaded, model) = RunDirectory.LoadModel(dir);
        var e = Assert.Throws<ArgumentException>(() => RunDirectory.Splits(loaded, model));
        Assert.StartsWith("evaluating this run on its data splits needs about ", e.Message);
    }
}
