using FastWeights.Models;
using FastWeights.Programmers.Layers;
using FastWeights.Serialization;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// The files of a run: <c>config.json</c>, <c>metrics.jsonl</c>, <c>model.safetensors</c> (weights only, for
/// users and other tools) and <c>checkpoint.safetensors</c> (weights, optimiser state and step, for resuming).
/// </summary>
public static class RunDirectory
{
    /// <summary>The configuration file name.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The metrics file name.</summary>
    public const string MetricsFile = "metrics.jsonl";

    /// <summary>The weights file name.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>The resumable checkpoint file name.</summary>
    public const string CheckpointFile = "checkpoint.safetensors";

    /// <summary>The final result file name (written when a run completes).</summary>
    public const string ResultFile = "result.json";

    /// <summary>Reads the configuration of a run; throws <see cref="FileNotFoundException"/> or <see cref="FormatException"/> with a clear message.</summary>
    public static TrainingConfig ReadConfig(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"run directory '{dir}' does not exist");
        }
        string path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{dir}' is not a run directory: it has no {ConfigFile}");
        }
        var config = TrainingConfig.FromJson(File.ReadAllText(path), path);
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
        return config;
    }

    /// <summary>Builds the network a configuration describes, initialised from <paramref name="rng"/>.</summary>
    public static AssociativeRetrievalNetwork CreateNetwork(TrainingConfig config, Rng rng)
    {
        var spec = ModelCatalog.Find(config.Model);
        var options = config.FastWeightOptions();
        return new AssociativeRetrievalNetwork(
            rng,
            AssociativeRetrievalVocabulary.Size,
            config.EmbeddingSize,
            (r, d) => spec.Create(r, d, config.Hidden, options),
            classes: AssociativeRetrievalVocabulary.Classes);
    }

    /// <summary>Loads the trained network of a run (its configuration and <c>model.safetensors</c>).</summary>
    public static (TrainingConfig Config, AssociativeRetrievalNetwork Network) LoadNetwork(string dir)
    {
        var config = ReadConfig(dir);
        if (config.IsSequenceRun())
        {
            throw new ArgumentException($"run '{dir}' trains the per-position model {config.Model} on {config.Task}; this command applies to recurrent models on assoc only");
        }
        var network = CreateNetwork(config, new Rng(config.Seed));
        string path = Path.Combine(dir, ModelFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"run '{dir}' has no {ModelFile} yet");
        }
        ModuleCheckpoint.Load(network, path);
        return (config, network);
    }

    /// <summary>Loads the trained per-position model of a sequence run (see <see cref="TrainingConfig.IsSequenceRun"/>).</summary>
    public static (TrainingConfig Config, SequenceModel Model) LoadSequenceModel(string dir)
    {
        var config = ReadConfig(dir);
        if (!config.IsSequenceRun())
        {
            throw new ArgumentException($"run '{dir}' trains the recurrent model {config.Model} on assoc, not a per-position model");
        }
        var model = SequenceTasks.CreateModel(config, new Rng(config.Seed));
        string path = Path.Combine(dir, ModelFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"run '{dir}' has no {ModelFile} yet");
        }
        ModuleCheckpoint.Load(model, path);
        return (config, model);
    }
}
