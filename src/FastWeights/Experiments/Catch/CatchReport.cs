using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>Writes <c>catch.md</c> (test catch rates per core and screen size, every seed) and <c>catch.json</c> for a Catch grid.</summary>
public static class CatchReport
{
    /// <summary>The Markdown file name.</summary>
    public const string MarkdownFile = "catch.md";

    /// <summary>The JSON file name.</summary>
    public const string JsonFile = "catch.json";

    /// <summary>A cell's test catch rate in percent (100 − its test error), or null when it did not complete.</summary>
    public static double? CatchPercent(GridCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.TestErrorPercent is { } e ? 100 - e : null;
    }

    /// <summary>Writes both files into the settings' output directory.</summary>
    public static void Write(GridSettings settings, IReadOnlyList<GridCell> cells, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        var rows = GridExperiment.Summarise(settings, cells, (_, _) => null);
        Directory.CreateDirectory(settings.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, MarkdownFile), Markdown(settings, cells, rows, wallSeconds, figure));
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, JsonFile), Json(settings, cells, rows, wallSeconds, figure));
    }

    /// <summary>The Markdown report.</summary>
    public static string Markdown(GridSettings settings, IReadOnlyList<GridCell> cells, IReadOnlyList<GridRow> rows, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(rows);
        var c = settings.Base;
        var sb = new StringBuilder();
        sb.AppendLine("# Catch (Ba et al. 2016, §5): test catch rate of the greedy policy");
        sb.AppendLine();
        string spread = settings.Seeds > 1 ? F($"mean ± sample standard deviation over seeds 1..{settings.Seeds} [worst, best]") : "seed 1";
        sb.AppendLine(F($"Each cell: the test catch rate in % over {c.TestEpisodes} fixed seeded episodes played greedily, {spread}. Every core has R = {c.Hidden} units and the same recipe: synchronous advantage actor-critic, {c.Steps} updates of {c.Batch} episodes, {c.NStep}-step returns, γ = {c.Gamma}, entropy weight {c.EntropyWeight}, value weight {c.ValueWeight}, {c.Optimizer} at lr {c.LearningRate} (warm-up {c.WarmupSteps}, cosine to {c.MinLearningRateFraction} of the peak), gradient clipping {c.ClipNorm}."));
        sb.AppendLine();
        sb.Append("| Core |");
        foreach (int n in settings.Sizes)
        {
            var probe = settings.CellConfig(settings.Models[0], n, 1);
            sb.Append(F($" {n}×{n}, blank after {probe.BlankAfter} |"));
        }
        sb.AppendLine();
        sb.Append("|---|");
        foreach (int _ in settings.Sizes)
        {
            sb.Append("---:|");
        }
        sb.AppendLine();
        foreach (string m in settings.Models)
        {
            sb.Append("| ").Append(m).Append(" |");
            foreach (int n in settings.Sizes)
            {
                var row = rows.First(x => x.Model == m && x.Size == n);
                sb.Append(' ').Append(Cell(row)).Append(" |");
            }
            sb.AppendLine();
        }
        sb.Append("| chance (paddle width / N) |");
        foreach (int n in settings.Sizes)
        {
            var probe = settings.CellConfig(settings.Models[0], n, 1);
            sb.Append(F($" {100.0 * probe.PaddleWidth / n:F1} |"));
        }
        sb.AppendLine();
        sb.AppendLine();
        if (figure is not null)
        {
            sb.AppendLine(F($"![Validation catch rate against training episodes]({figure})"));
            sb.AppendLine();
        }
        sb.AppendLine("| Core | N | Seed | Test catch rate % | Training s | Status |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var cell in cells)
        {
            string rate = CatchPercent(cell) is { } p ? p.ToString("F2", CultureInfo.InvariantCulture) : "–";
            sb.AppendLine(F($"| {cell.Model} | {cell.Size} | {cell.Seed} | {rate} | {cell.Seconds:F0} | {cell.Status} |"));
        }
        sb.AppendLine();
        sb.AppendLine(F($"Wall time of this invocation: {wallSeconds / 60:F1} min."));
        return sb.ToString();
    }

    // Mean ± sd [worst, best] of the catch rates (the summary holds errors: the catch rate is 100 − error).
    private static string Cell(GridRow row) => row.MeanErrorPercent is not { } mean
        ? "–"
        : row.Seeds > 1
            ? F($"{100 - mean:F1} ± {row.StdErrorPercent:F1} [{100 - row.MaxErrorPercent:F1}, {100 - row.MinErrorPercent:F1}]")
            : F($"{100 - mean:F1}");

    /// <summary>The JSON report: the settings, every cell and the per-(core, N) summary.</summary>
    public static string Json(GridSettings settings, IReadOnlyList<GridCell> cells, IReadOnlyList<GridRow> rows, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(rows);
        var doc = new
        {
            experiment = "Ba et al. 2016, §5: Catch with a blank screen, actor-critic agents",
            settings = JsonSerializer.SerializeToNode(settings.Base, TrainingConfig.JsonOptions),
            sizes = settings.Sizes,
            blank_after = settings.Sizes.Select(n => settings.CellConfig(settings.Models[0], n, 1).BlankAfter).ToArray(),
            seeds = settings.Seeds,
            wall_seconds = wallSeconds,
            figure,
            summary = rows.Select(r => new
            {
                model = r.Model,
                size = r.Size,
                mean_catch_percent = 100 - r.MeanErrorPercent,
                std_catch_percent = r.StdErrorPercent,
                worst_catch_percent = 100 - r.MaxErrorPercent,
                best_catch_percent = 100 - r.MinErrorPercent,
                completed = r.Completed,
            }),
            cells = cells.Select(x => new { model = x.Model, size = x.Size, seed = x.Seed, catch_percent = CatchPercent(x), seconds = x.Seconds, status = x.Status, directory = x.Directory }),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
