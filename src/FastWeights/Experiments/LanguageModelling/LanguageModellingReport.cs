using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>One run of the language-modelling comparison as the report shows it (from its <c>result.json</c>, plus the generation speed measured after training).</summary>
/// <param name="Model">Catalog name.</param>
/// <param name="CarryState">Whether it was trained and scored with carried state.</param>
/// <param name="Directory">Its run directory.</param>
/// <param name="Status">The grid cell's status (completed, skipped, diverged, interrupted).</param>
/// <param name="Result">Its result.json, or null when it did not complete.</param>
/// <param name="MicrosecondsPerToken">Streaming generation time per token (batch 1), or null when not measured.</param>
public sealed record LanguageModellingRun(string Model, bool CarryState, string Directory, string Status, JsonObject? Result, double? MicrosecondsPerToken)
{
    /// <summary>Test bits per byte, or null.</summary>
    public double? BitsPerByte => Number("test_bits_per_byte");

    /// <summary>A number of the result, or null.</summary>
    public double? Number(string key) => Result?[key] is JsonValue v && v.TryGetValue(out double d) ? d : null;
}

/// <summary>Writes <c>language-modelling.md</c> and <c>language-modelling.json</c> for the comparison of <see cref="LanguageModellingExperiment"/>.</summary>
public static class LanguageModellingReport
{
    /// <summary>The Markdown file name.</summary>
    public const string MarkdownFile = "language-modelling.md";

    /// <summary>The JSON file name.</summary>
    public const string JsonFile = "language-modelling.json";

    /// <summary>Reads the run of a finished grid cell (its result.json when it completed).</summary>
    public static LanguageModellingRun Read(GridCell cell, bool carryState, double? microsecondsPerToken)
    {
        ArgumentNullException.ThrowIfNull(cell);
        string path = Path.Combine(cell.Directory, RunDirectory.ResultFile);
        var result = cell.TestErrorPercent is not null && File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null;
        return new LanguageModellingRun(cell.Model, carryState, cell.Directory, cell.Status, result, microsecondsPerToken);
    }

    /// <summary>Writes both files into <paramref name="settings"/>' output directory.</summary>
    /// <param name="settings">The grid without carried state (its base configuration is every run's).</param>
    /// <param name="runs">Every run, without and with carried state.</param>
    /// <param name="wallSeconds">Wall time of this invocation.</param>
    /// <param name="figure">The validation-curve figure's file name, or null.</param>
    /// <param name="sample">A generated sample: the model, the prompt and the text; or null.</param>
    public static void Write(GridSettings settings, IReadOnlyList<LanguageModellingRun> runs, double wallSeconds, string? figure, (string Model, string Prompt, string Text)? sample)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(runs);
        Directory.CreateDirectory(settings.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, MarkdownFile), Markdown(settings, runs, wallSeconds, figure, sample));
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, JsonFile), Json(settings, runs, wallSeconds, figure, sample));
    }

    /// <summary>The Markdown report: a row per model, test bits per byte without and with carried state, and the costs.</summary>
    public static string Markdown(GridSettings settings, IReadOnlyList<LanguageModellingRun> runs, double wallSeconds, string? figure, (string Model, string Prompt, string Text)? sample)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(runs);
        var c = settings.Base;
        var sb = new StringBuilder();
        sb.AppendLine("# Language modelling: test bits per byte");
        sb.AppendLine();
        sb.AppendLine(F($"Every model: {c.Layers} blocks of D = {string.Join(", ", settings.Sizes)}, {c.Heads} heads, MLP ×{c.MlpRatio}; {c.Steps} steps of {c.Batch} windows of {c.Context} bytes ({(double)c.Steps * c.Batch * c.Context / 1e6:F2} M training tokens); {c.Optimizer} at lr {c.LearningRate} (warm-up {c.WarmupSteps}, cosine to {c.MinLearningRateFraction} of the peak), clipping {c.ClipNorm}; seed {string.Join(", ", Enumerable.Range(1, settings.Seeds))}. Text: `{c.DataFile}`, split 90/5/5 in file order."));
        sb.AppendLine();
        sb.AppendLine("Test bits per byte over the whole test split: *window* scores each non-overlapping window of the context from a zero state (what the model sees is at most one window); *carried* trains and scores with `--carry-state`, each window from the state the previous one of its stream left (16 streams over the split), so the memory reaches across windows.");
        sb.AppendLine();
        sb.AppendLine("| Model | Parameters | Test bits/byte (window) | Test bits/byte (carried) | Training tokens/s | Generation µs/token | Peak memory (MB) | Training time (s) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string m in settings.Models)
        {
            foreach (int seed in Enumerable.Range(1, settings.Seeds))
            {
                var plain = Find(runs, m, false, settings, seed);
                var carried = Find(runs, m, true, settings, seed);
                string label = settings.Seeds > 1 ? F($"{m} s{seed}") : m;
                sb.AppendLine(F($"| {label} | {Cell(plain?.Number("parameters"), "N0")} | {Bits(plain)} | {(ModelsCarry(m) ? Bits(carried) : "—")} | {Cell(plain?.Number("training_tokens_per_second"), "N0")}{CarriedCost(carried, "training_tokens_per_second", "N0")} | {Cell(plain?.MicrosecondsPerToken, "F0")} | {Cell(plain?.Number("peak_memory_mb"), "F0")}{CarriedCost(carried, "peak_memory_mb", "F0")} | {Cell(plain?.Number("training_seconds"), "F0")} |"));
            }
        }
        sb.AppendLine();
        sb.AppendLine("Training tokens/s and time include the validations; for runs with carried state their own figures follow in brackets. Peak memory is the process's resident high-water mark over the run (training, validations and the test). Generation: one token at a time through the streaming step, batch 1, after a one-byte prompt, the mean over " + F($"{Math.Min(255, c.Context - 1)}") + " greedy tokens, the best of three passes (the transformer's key–value cache grows over them).");
        if (figure is not null)
        {
            sb.AppendLine();
            sb.AppendLine(F($"![Validation bits per byte against steps]({figure})"));
        }
        if (sample is { } s)
        {
            sb.AppendLine();
            sb.AppendLine(F($"Generated by {s.Model} from the prompt \"{s.Prompt}\":"));
            sb.AppendLine();
            sb.AppendLine("```text");
            sb.AppendLine(s.Prompt + s.Text);
            sb.AppendLine("```");
        }
        sb.AppendLine();
        sb.AppendLine(F($"Wall time of this invocation: {wallSeconds / 60:F1} min (runs already finished are not retrained)."));
        return sb.ToString();
    }

    /// <summary>The same numbers as JSON.</summary>
    public static string Json(GridSettings settings, IReadOnlyList<LanguageModellingRun> runs, double wallSeconds, string? figure, (string Model, string Prompt, string Text)? sample)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(runs);
        var root = new JsonObject
        {
            ["experiment"] = "language-modelling",
            ["config"] = JsonNode.Parse(settings.Base.ToJson()),
            ["sizes"] = new JsonArray([.. settings.Sizes.Select(d => (JsonNode)d)]),
            ["seeds"] = settings.Seeds,
            ["wall_seconds"] = wallSeconds,
            ["figure"] = figure,
            ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
            {
                ["model"] = r.Model,
                ["carry_state"] = r.CarryState,
                ["directory"] = r.Directory,
                ["status"] = r.Status,
                ["result"] = r.Result?.DeepClone(),
                ["generation_microseconds_per_token"] = r.MicrosecondsPerToken,
            })]),
        };
        if (sample is { } s)
        {
            root["sample"] = new JsonObject { ["model"] = s.Model, ["prompt"] = s.Prompt, ["text"] = s.Text };
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static bool ModelsCarry(string model) => Models.ModelCatalog.Find(model).CanCarryState;

    private static LanguageModellingRun? Find(IReadOnlyList<LanguageModellingRun> runs, string model, bool carry, GridSettings settings, int seed) =>
        runs.FirstOrDefault(r => r.Model == model && r.CarryState == carry && r.Directory.EndsWith(F($"-s{seed}"), StringComparison.Ordinal));

    private static string Bits(LanguageModellingRun? run) => run switch
    {
        null => "—",
        { BitsPerByte: { } b } => F($"{b:F4}"),
        _ => run.Status,
    };

    private static string CarriedCost(LanguageModellingRun? carried, string key, string format) =>
        carried?.Number(key) is { } v ? " (" + v.ToString(format, CultureInfo.InvariantCulture) + ")" : string.Empty;

    private static string Cell(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
