using FastWeights.Models;
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

    // The run's files by the writer that saves them (and so names their temporaries).
    private static readonly string[] SafeTensorsFiles = [ModelFile, CheckpointFile];

    private static readonly string[] AtomicFiles = [ConfigFile, MetricsFile, ResultFile, RunLock.OwnerFileName];

    /// <summary>
    /// Deletes the temporary files that a killed process's atomic writes of this run's own files left in
    /// <paramref name="dir"/>: <c>.model.safetensors.{32 hex digits}.tmp</c> and <c>.checkpoint.safetensors.{…}.tmp</c>
    /// (<see cref="SafeTensorsFile.Save"/>), <c>.config.json.{process id}.tmp</c> and likewise for <c>metrics.jsonl</c>,
    /// <c>result.json</c> and <c>.lock.owner</c> (<c>..lock.owner.{process id}.tmp</c>; <see cref="AtomicFile"/>). Nothing
    /// else is touched, however it is named.
    /// Call it only while holding the run's <see cref="RunLock"/>, so that no other writer is mid-save. A file that cannot
    /// be deleted is left (it is harmless). Returns the names of the files deleted.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemporaryFiles(string dir)
    {
        var removed = new List<string>();
        foreach (string file in Directory.EnumerateFiles(dir, ".*.tmp", SearchOption.TopDirectoryOnly))
        {
            string name = Path.GetFileName(file);
            bool ours = SafeTensorsFiles.Any(f => SafeTensorsFile.IsTemporaryFileOf(name, f))
                || AtomicFiles.Any(f => AtomicFile.IsTemporaryFileOf(name, f));
            if (!ours)
            {
                continue;
            }
            try
            {
                File.Delete(file);
                removed.Add(name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next open: a stale temporary is harmless.
            }
        }
        removed.Sort(StringComparer.Ordinal);
        return removed;
    }

    /// <summary>Reads the configuration of a run; throws <see cref="FileNotFoundException"/> or <see cref="FormatException"/> with a clear message.</summary>
    public static TrainingConfig ReadConfig(string dir)
    {
        if (File.Exists(dir))
        {
            throw new ArgumentException($"'{dir}' is a file, not a run directory");
        }
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

    /// <summary>Builds the model a configuration describes for its task, initialised from <paramref name="rng"/>.</summary>
    public static TokenModel CreateModel(TrainingConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ModelCatalog.Find(config.Model).Create(config, TaskCatalog.Create(config), rng);
    }

    /// <summary>Builds the network of Ba et al. §4.1 a configuration of a recurrent model on a one-answer task describes.</summary>
    public static AssociativeRetrievalNetwork CreateNetwork(TrainingConfig config, Rng rng) =>
        CreateModel(config, rng) as AssociativeRetrievalNetwork
        ?? throw new ArgumentException($"{config.Model} on {config.Task} is a per-position model, not the network of Ba et al. §4.1");

    /// <summary>
    /// Loads the trained model of a run (its configuration and <c>model.safetensors</c>); refused before the model is
    /// built when its <see cref="MemoryEstimate.ForEvaluation"/> exceeds the memory the run may use.
    /// </summary>
    public static (TrainingConfig Config, TokenModel Model) LoadModel(string dir)
    {
        var config = ReadConfig(dir);
        if (TaskCatalog.IsReinforcement(config))
        {
            throw new ArgumentException($"run '{dir}' trains an agent on --task {config.Task}: use 'fastweights test' or 'fastweights play' on it");
        }
        MemoryEstimate.ForEvaluation(config, withData: false).EnsureFits(config, $"loading run '{dir}'");
        var model = CreateModel(config, new Rng(config.Seed));
        string path = Path.Combine(dir, ModelFile);
        RequireWeightsFile(dir, path);
        ModuleCheckpoint.Load(model, path);
        return (config, model);
    }

    // The weights file of a run must be a file: a directory of that name is not "no weights yet".
    private static void RequireWeightsFile(string dir, string path)
    {
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"run '{dir}': {ModelFile} is a directory, not a weights file");
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"run '{dir}' has no {ModelFile} yet");
        }
    }

    /// <summary>Loads the trained agent of a run on a reinforcement-learning task (its configuration and <c>model.safetensors</c>).</summary>
    public static (TrainingConfig Config, ActorCriticNetwork Agent, IReinforcementTask Task) LoadAgent(string dir)
    {
        var config = ReadConfig(dir);
        if (!TaskCatalog.IsReinforcement(config))
        {
            throw new ArgumentException($"run '{dir}' trains {config.Model} on --task {config.Task}, which is not learnt by reinforcement");
        }
        MemoryEstimate.ForEvaluation(config, withData: false).EnsureFits(config, $"loading run '{dir}'");
        var agent = Reinforcement.ActorCriticTrainer.CreateAgent(config, out var task, out _);
        string path = Path.Combine(dir, ModelFile);
        RequireWeightsFile(dir, path);
        ModuleCheckpoint.Load(agent, path);
        return (config, agent, task);
    }

    /// <summary>Loads the trained network of a run of a recurrent model on a one-answer task (see <see cref="LoadModel"/>).</summary>
    public static (TrainingConfig Config, AssociativeRetrievalNetwork Network) LoadNetwork(string dir)
    {
        var (config, model) = LoadModel(dir);
        return model is AssociativeRetrievalNetwork network
            ? (config, network)
            : throw new ArgumentException($"run '{dir}' trains the per-position model {config.Model} on {config.Task}; this command applies to recurrent models on assoc only");
    }

    /// <summary>Loads the trained per-position model of a run whose model predicts at every position (see <see cref="TrainingConfig.IsSequenceRun"/>).</summary>
    public static (TrainingConfig Config, SequenceModel Model) LoadSequenceModel(string dir)
    {
        var (config, model) = LoadModel(dir);
        return model is SequenceModel sequenceModel
            ? (config, sequenceModel)
            : throw new ArgumentException($"run '{dir}' trains the recurrent model {config.Model} on assoc, not a per-position model");
    }

    /// <summary>
    /// The data of a run exactly as training drew them (the run's first draw is its data seed), with targets laid out
    /// as its model predicts; refused before they are made when the run's <see cref="MemoryEstimate.ForEvaluation"/>
    /// with its data exceeds the memory it may use (a configuration edited to a huge <c>test_size</c>, for example).
    /// </summary>
    public static DataSplits Splits(TrainingConfig config, TokenModel model)
    {
        ArgumentNullException.ThrowIfNull(config);
        MemoryEstimate.ForEvaluation(config, withData: true).EnsureFits(config, "evaluating this run on its data splits");
        return Trainer.Splits(TaskCatalog.Create(config), model, config, Trainer.DataSeed(config));
    }

    /// <summary>
    /// Reads a data file of the run's task (<see cref="ISequenceTask.ReadTextFile"/>) with the memory the run may use
    /// beyond its model (<see cref="MemoryEstimate.ForEvaluation"/> without data) left for the examples.
    /// </summary>
    public static TokenDataset ReadDataFile(TrainingConfig config, string path)
    {
        ArgumentNullException.ThrowIfNull(config);
        double left = MemoryEstimate.AvailableBytes(config) - MemoryEstimate.ForEvaluation(config, withData: false).TotalBytes;
        return TaskCatalog.Create(config).ReadTextFile(path, left);
    }
}
