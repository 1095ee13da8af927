using FastWeights.Programmers.Layers;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>The per-position data and models of sequence runs (see <see cref="TrainingConfig.IsSequenceRun"/>).</summary>
public static class SequenceTasks
{
    /// <summary>Input vocabulary, output classes and length of the run's task.</summary>
    public static (int Vocabulary, int Classes, int Length) Shape(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (IsMqar(config))
        {
            return (config.Vocab, config.Vocab, config.Length);
        }
        return (AssociativeRetrievalVocabulary.Size, AssociativeRetrievalVocabulary.Classes, new AssociativeRetrievalTask(config.Pairs).Length);
    }

    /// <summary>
    /// The splits of the run's task generated from <paramref name="seed"/>: MQAR, or the associative retrieval task with its
    /// label at the last position (same sequences as the recurrent path for the same seed).
    /// </summary>
    public static PositionalSplits Generate(TrainingConfig config, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (IsMqar(config))
        {
            return new MultiQueryAssociativeRecallTask(config.Vocab, config.Length, config.KvPairs).Generate(seed, config.TrainSize, config.ValidationSize, config.TestSize);
        }
        var s = new AssociativeRetrievalTask(config.Pairs).Generate(seed, config.TrainSize, config.ValidationSize, config.TestSize);
        return new PositionalSplits(PositionalDataset.FromLastToken(s.Train), PositionalDataset.FromLastToken(s.Validation), PositionalDataset.FromLastToken(s.Test));
    }

    /// <summary>Builds the sequence model a configuration describes, initialised from <paramref name="rng"/>.</summary>
    public static SequenceModel CreateModel(TrainingConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        var spec = SequenceModelCatalog.Find(config.Model);
        var (vocabulary, classes, length) = Shape(config);
        var options = new SequenceModelOptions
        {
            ModelDim = config.DModel,
            Layers = config.Layers,
            Heads = config.Heads,
            MlpRatio = config.MlpRatio,
            ShortConv = config.ShortConv,
            MaxPositions = spec.NeedsPositions ? length : 0,
            RecurrentHidden = config.Hidden,
            Recurrent = config.FastWeightOptions(),
        };
        return spec.Create(rng, vocabulary, classes, options);
    }

    private static bool IsMqar(TrainingConfig config) => string.Equals(config.Task, "mqar", StringComparison.OrdinalIgnoreCase);
}
