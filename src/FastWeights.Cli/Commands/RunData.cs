using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary>Regenerates the data splits of a run exactly as training drew them.</summary>
internal static class RunData
{
    public static AssociativeRetrievalSplits Splits(TrainingConfig config) =>
        new AssociativeRetrievalTask(config.Pairs).Generate(Trainer.DataSeed(config), config.TrainSize, config.ValidationSize, config.TestSize);
}
