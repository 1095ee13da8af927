using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using FastWeights.Models;
using FastWeights.Optim;
using FastWeights.Tasks;

namespace FastWeights.Training;

/// <summary>
/// Every setting of a training run, with its default: the one place defaults live. Saved as
/// <c>config.json</c> in the run directory (snake_case keys).
/// </summary>
public sealed partial record TrainingConfig
{
    // The training loop.

    /// <summary>Model name (see <see cref="ModelCatalog"/>).</summary>
    [Setting("--model", SettingPart.Training, "Model (see 'fastweights models')", Alias = "-m")]
    public string Model { get; init; } = "fw-rnn";

    /// <summary>Task name (see <see cref="TaskCatalog"/>).</summary>
    [Setting("--task", SettingPart.Training, "Task (see 'fastweights models')")]
    public string Task { get; init; } = "assoc";

    /// <summary>Optimiser steps.</summary>
    [Setting("--steps", SettingPart.Training, "Optimiser steps")]
    public int Steps { get; init; } = 10_000;

    /// <summary>Examples per step (128 in the paper).</summary>
    [Setting("--batch", SettingPart.Training, "Examples per step")]
    public int Batch { get; init; } = 128;

    /// <summary>Seed of the data, the initialisation and the batch order.</summary>
    [Setting("--seed", SettingPart.Training, "Seed of data, initialisation and batch order")]
    public ulong Seed { get; init; } = 1;

    /// <summary>Steps between validations (and metrics lines).</summary>
    [Setting("--eval-every", SettingPart.Training, "Steps between validations")]
    public int EvalEvery { get; init; } = 500;

    /// <summary>Steps between checkpoints.</summary>
    [Setting("--save-every", SettingPart.Training, "Steps between checkpoints")]
    public int SaveEvery { get; init; } = 1000;

    /// <summary>Training examples.</summary>
    [Setting("--train-size", SettingPart.Training, "Training examples")]
    public int TrainSize { get; init; } = 100_000;

    /// <summary>Validation examples.</summary>
    [Setting("--validation-size", SettingPart.Training, "Validation examples")]
    public int ValidationSize { get; init; } = 10_000;

    /// <summary>Test examples.</summary>
    [Setting("--test-size", SettingPart.Training, "Test examples")]
    public int TestSize { get; init; } = 20_000;

    /// <summary>
    /// The memory the run may use, in GB of 2³⁰ bytes; 0 (the default) means what this machine lets the process have.
    /// A run whose <see cref="MemoryEstimate"/> exceeds it is refused before anything is allocated or written; set it
    /// above the machine's memory to run anyway (the estimate is upper-ish), or below to keep a run small.
    /// </summary>
    [Setting("--max-memory-gb", SettingPart.Training, "Memory a run may use in GB (0: this machine's); runs estimated to need more are refused before they start", Since = 3)]
    public double MaxMemoryGb { get; init; }

    // The optimizer: Adam with linear warm-up, cosine decay and global-norm clipping.

    /// <summary>The optimizer (see <see cref="OptimizerCatalog"/>).</summary>
    [Setting("--optimizer", SettingPart.Optimizer, "Optimizer (see 'fastweights models')", Since = 2)]
    public string Optimizer { get; init; } = "adam";

    /// <summary>Peak learning rate.</summary>
    [Setting("--lr", SettingPart.Optimizer, "Peak learning rate (linear warm-up, then cosine decay)")]
    public float LearningRate { get; init; } = 2e-3f;

    /// <summary>Linear warm-up steps before the cosine decay (capped below <see cref="Steps"/>).</summary>
    [Setting("--warmup", SettingPart.Optimizer, "Warm-up steps")]
    public int WarmupSteps { get; init; } = 200;

    /// <summary>Final learning rate as a fraction of the peak (cosine schedule floor).</summary>
    [Setting("--min-lr-fraction", SettingPart.Optimizer, "Final learning rate as a fraction of the peak (the cosine schedule's floor)")]
    public float MinLearningRateFraction { get; init; } = 0.05f;

    /// <summary>
    /// Data-parallel shards of each batch of at least <see cref="TrainingStep.MinShardedBatch"/> sequences
    /// (<see cref="TrainingStep"/>); 1: the whole batch at once. Config formats before 9 take 1, what their runs did.
    /// </summary>
    [Setting("--shards", SettingPart.Training, "Data-parallel shards of each batch of 16 or more: each runs forward and backward on its own replica of the model, on its own core when there is one, and their gradients are summed in order; the split depends only on the batch, so results are the same whatever --threads; 1: the whole batch at once", Since = 9, Before = "1", SupervisedOnly = true)]
    public int Shards { get; init; } = 2;

    /// <summary>Global gradient-norm clipping threshold.</summary>
    [Setting("--clip", SettingPart.Optimizer, "Global gradient-norm clipping threshold")]
    public float ClipNorm { get; init; } = 5f;

    /// <summary>
    /// Whether this run's model predicts at every position (a per-position sequence model), rather than once per sequence
    /// as the network of Ba et al. §4.1 does on a one-answer task (see <see cref="ModelSpec.PredictsOn"/>).
    /// </summary>
    public bool IsSequenceRun() => !TaskCatalog.IsReinforcement(this) && ModelCatalog.Find(Model).PredictsOn(TaskCatalog.Create(this)) == TargetLayout.EveryPosition;

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> with a one-line message naming the option.</summary>
    public void Validate()
    {
        var model = ModelCatalog.Find(Model);
        OptimizerCatalog.Find(Optimizer);
        var taskSpec = TaskCatalog.Find(Task);
        ValidateRecurrentModel();
        if (taskSpec.IsReinforcement)
        {
            // The environment checks its own settings (for example --size and --blank-after).
            var environment = TaskCatalog.CreateReinforcement(this);
            Require(model.CanAct, $"--model {model.Name} cannot be an agent's core on --task {environment.Name} (it has no step-by-step form); valid: {string.Join(", ", ModelCatalog.All.Where(m => m.CanAct).Select(m => m.Name))}");
            ValidateActorCritic();
        }
        else
        {
            // The task checks its own settings (for example --pairs, or --vocab, --length and --kv-pairs).
            var task = TaskCatalog.Create(this);
            Require(model.TrainsOn(task), $"--model {model.Name} reads images only; --task {task.Name} is not an image task");
            Require(!CarryState || task is Tasks.LanguageModelling.LanguageModelTask, $"--carry-state applies to --task lm (consecutive windows of a text), not --task {task.Name}");
            Require(!CarryState || model.CanCarryState, CarriedTraining.CannotCarry(model.Name));
            if (model.PredictsOn(task) == TargetLayout.EveryPosition)
            {
                ValidateSequenceModel();
            }
        }
        Require(Steps >= 1, "--steps must be at least 1");
        Require(Batch >= 1, "--batch must be at least 1");
        Require(Shards is >= 1 and <= TrainingStep.MaxShards, $"--shards must be between 1 and {TrainingStep.MaxShards}");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), "--lr must be a positive number");
        Require(WarmupSteps >= 0, "--warmup must be 0 or more");
        Require(MinLearningRateFraction is >= 0f and <= 1f, "--min-lr-fraction must be in [0, 1]");
        Require(ClipNorm > 0 && float.IsFinite(ClipNorm), "--clip must be a positive number");
        Require(TrainSize >= 1 && ValidationSize >= 1 && TestSize >= 1, "split sizes must be at least 1");
        Require(EvalEvery >= 1, "--eval-every must be at least 1");
        Require(SaveEvery >= 1, "--save-every must be at least 1");
        Require(MaxMemoryGb >= 0 && double.IsFinite(MaxMemoryGb), "--max-memory-gb must be 0 (this machine's memory) or a positive number of GB");
    }

    // Throws the one-line message of a setting out of range.
    internal static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }

    /// <summary>JSON options used for config.json and metrics.jsonl.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OrderSettingsByPart } },
    };

    // config.json lists the settings part by part (the training loop, the optimizer, the tasks, the model families), as
    // 'train --help' does, whichever file of the partial record declares them.
    private static void OrderSettingsByPart(JsonTypeInfo info)
    {
        if (info.Type != typeof(TrainingConfig))
        {
            return;
        }
        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider is PropertyInfo declared && declared.GetCustomAttribute<SettingAttribute>() is { } setting)
            {
                property.Order = ((int)setting.Part * 1_000_000) + (declared.MetadataToken & 0xFFFFF);
            }
        }
    }

    /// <summary>
    /// The format of the <c>config.json</c> this build writes, its <c>"format"</c> key. A file of format N must hold the key
    /// of every setting whose <see cref="SettingAttribute.Since"/> is N or less. Files written before the key existed are
    /// format 1: they hold the settings of the first run directories (<c>tests/FastWeights.Tests/Fixtures/Runs</c>), and
    /// may hold or lack each setting added later (format 2: the optimizer, the glimpse, Catch and actor-critic settings; format 3: the language-modelling settings and --max-memory-gb; format 4: --carry-state; format 5: --tokenizer; format 7: --query-layout, which files before it lack and then take as
    /// <c>answered</c>, their layout; format 8: --conventions, --key-dim, --value-dim, --mlp-size, --norm-eps; format 9: --shards, which files before it lack and then take as 1, the whole batch). From format 6 on it holds only the settings its run reads
    /// (<see cref="ReadSettingsOnlySince"/>): a file of format 6 or later needs each of those whose <c>Since</c> is at most its format, and no other.
    /// </summary>
    public const int ConfigFormat = 9;

    private const string FormatKey = "format";

    /// <summary>Serialises to indented JSON: the <c>"format"</c> key (<see cref="ConfigFormat"/>), then every setting the run reads.</summary>
    public string ToJson()
    {
        var json = new JsonObject { [FormatKey] = ConfigFormat };
        foreach (var (key, value) in SettingsJson())
        {
            json[key] = value?.DeepClone();
        }
        return json.ToJsonString(JsonOptions);
    }

    /// <summary>
    /// Every setting the run reads (<see cref="Reads"/>) under its <c>config.json</c> key, without the format: what a
    /// checkpoint records of the run that wrote it.
    /// </summary>
    public JsonObject SettingsJson()
    {
        var all = JsonSerializer.SerializeToNode(this, JsonOptions)!.AsObject();
        var model = ModelCatalog.Find(Model);
        var task = TaskCatalog.Find(Task);
        foreach (var (key, _) in SettingKeys.Where(k => !Reads(k.Setting, model, task)))
        {
            all.Remove(key);
        }
        return all;
    }

    /// <summary>
    /// Whether <paramref name="other"/> describes the same run: equal in every setting the run reads. A configuration read
    /// back from <c>config.json</c> holds the defaults of the settings its run does not read, whatever they were.
    /// </summary>
    public bool SameRunAs(TrainingConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return JsonNode.DeepEquals(SettingsJson(), other.SettingsJson());
    }

    /// <summary>
    /// The format from which on <c>config.json</c> holds only the settings its run reads (<see cref="Reads"/>), so that it
    /// describes the model it belongs to; older files hold every setting of their day.
    /// </summary>
    public const int ReadSettingsOnlySince = 6;

    /// <summary>
    /// Whether a run of <paramref name="model"/> on <paramref name="task"/> reads <paramref name="setting"/>: the training
    /// loop's and the optimizer's always, actor-critic's on reinforcement tasks, a task's own on that task, and the model
    /// settings <see cref="ModelSpec.SettingsOn"/> lists.
    /// </summary>
    public static bool Reads(SettingAttribute setting, ModelSpec model, TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(task);
        return setting.Part switch
        {
            SettingPart.Reinforcement => task.IsReinforcement,
            SettingPart.Task => setting.Scope == task.Name,
            SettingPart.Model => model.SettingsOn(task).Contains(setting.Flag),
            _ => !setting.SupervisedOnly || !task.IsReinforcement,
        };
    }

    // The config.json key of each setting with its declaration (the format from which on it is required is its Since), in
    // the order of 'train --help'.
    private static readonly List<(string Key, SettingAttribute Setting)> SettingKeys = [.. typeof(TrainingConfig).GetProperties()
        .Select(p => (Property: p, Setting: p.GetCustomAttribute<SettingAttribute>()))
        .Where(p => p.Setting is not null)
        .OrderBy(p => p.Setting!.Part)
        .ThenBy(p => p.Property.MetadataToken)
        .Select(p => (JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Property.Name), p.Setting!))];

    /// <summary>
    /// Parses config.json strictly: one JSON object whose keys are the settings' (each once, none unknown), all present
    /// for its format (see <see cref="ConfigFormat"/>); throws <see cref="FormatException"/> naming <paramref name="source"/> and the key.
    /// </summary>
    public static TrainingConfig FromJson(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{source}: a configuration is a JSON object, not {root.ValueKind.ToString().ToLowerInvariant()}");
            }
            string? Name(string key) => root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            int format = 1;
            foreach (var property in root.EnumerateObject())
            {
                // The serializer would keep the last of two equal keys: which one the user meant is unknowable.
                if (!seen.Add(property.Name))
                {
                    throw new FormatException($"{source}: key '{property.Name}' appears more than once");
                }
                if (property.Name == FormatKey)
                {
                    format = property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out int f) && f is >= 1 and <= ConfigFormat
                        ? f
                        : throw new FormatException($"{source}: 'format' is {property.Value.GetRawText()}; this fastweights reads formats 1 to {ConfigFormat} (a newer one needs a newer fastweights)");
                }
                else if (!SettingKeys.Exists(k => k.Key == property.Name))
                {
                    throw new FormatException($"{source}: unknown key '{property.Name}' (not a setting of 'fastweights train')");
                }
            }
            // From format 6 on the file holds the settings its run reads, and only those: which they are follows from its
            // model and task.
            Func<SettingAttribute, bool> expected = _ => true;
            string holds = "every setting";
            if (format >= ReadSettingsOnlySince && Name("model") is { } modelName && Name("task") is { } taskName)
            {
                ModelSpec model;
                TaskSpec task;
                try
                {
                    model = ModelCatalog.Find(modelName);
                    task = TaskCatalog.Find(taskName);
                }
                catch (ArgumentException e)
                {
                    throw new FormatException($"{source}: {e.Message}", e);
                }
                expected = setting => Reads(setting, model, task);
                holds = $"the settings of model {model.Name} on task {task.Name}";
                if (SettingKeys.FirstOrDefault(k => seen.Contains(k.Key) && !expected(k.Setting)) is { Key: { } extra })
                {
                    throw new FormatException($"{source}: key '{extra}' is not a setting of model {model.Name} on task {task.Name} (a config.json of format {format} holds only the settings its run reads)");
                }
            }
            // Every setting that existed when the file was written is in it: a missing one would silently take today's default.
            var missing = SettingKeys.Where(k => k.Setting.Since <= format && expected(k.Setting) && !seen.Contains(k.Key)).Select(k => k.Key).ToList();
            if (missing.Count > 0)
            {
                string more = missing.Count > 1 ? $", and {missing.Count - 1} more" : "";
                throw new FormatException($"{source}: key '{missing[0]}' is missing{more} (a config.json of format {format} holds {holds})");
            }
            var settings = new JsonObject();
            foreach (var property in root.EnumerateObject().Where(p => p.Name != FormatKey))
            {
                settings[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
            // A setting added after the file was written, whose default changed what runs do, takes what they did.
            foreach (var (key, setting) in SettingKeys.Where(k => k.Setting.Since > format && k.Setting.Before is not null && !seen.Contains(k.Key)))
            {
                settings[key] = int.TryParse(setting.Before, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int number)
                    ? JsonValue.Create(number)
                    : JsonValue.Create(setting.Before);
            }
            return settings.Deserialize<TrainingConfig>(JsonOptions) ?? throw new FormatException($"{source}: empty configuration");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: invalid configuration ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }
}
