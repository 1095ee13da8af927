using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary>Regenerates the data splits of a run exactly as training drew them.</summary>
internal static class RunData
{
    public static AssociativeRetrievalSplits Splits(TrainingConfig config) =>
        new AssociativeRetrievalTask(config.Pairs).Generate(Trainer.DataSeed(config), config.TrainSize, config.ValidationSize, config.TestSize);

    /// <summary>The per-position splits of a sequence run (the sequence trainer draws its data seed first, as the recurrent one does).</summary>
    public static PositionalSplits SequenceSplits(TrainingConfig config) => SequenceTasks.Generate(config, Trainer.DataSeed(config));

    /// <summary>Whether the run's task is MQAR.</summary>
    public static bool IsMqar(TrainingConfig config) => string.Equals(config.Task, "mqar", StringComparison.OrdinalIgnoreCase);
}
