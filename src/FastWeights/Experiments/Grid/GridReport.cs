using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>Writes <c>&lt;table&gt;.md</c> (our error beside the paper's) and <c>&lt;table&gt;.json</c> for a grid's cells.</summary>
public static class GridReport
{
    /// <summary>The Markdown table file name.</summary>
    public static string MarkdownFile(PaperTable table) => table.Name + ".md";

    /// <summary>The JSON file name.</summary>
    public static string JsonFile(PaperTable table) => table.Name + ".json";

    /// <summary>
    /// Writes both files into the settings' output directory. <paramref name="wallSeconds"/> is the wall time of
    /// this invocation; <paramref name="figure"/> is the learning-curve image's file name (or null if none was drawn).
    /// </summary>
    public static void Write(PaperTable table, GridSettings settings, IReadOnlyList<GridCell> cells, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        var rows = GridExperiment.Summarise(settings, cells, table.ErrorPercent);
        Directory.CreateDirectory(settings.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, MarkdownFile(table)), Markdown(table, settings, cells, rows, wallSeconds, figure));
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, JsonFile(table)), Json(table, settings, cells, rows, wallSeconds, figure));
    }

    /// <summary>The Markdown report.</summary>
    public static string Markdown(PaperTable table, GridSettings settings, IReadOnlyList<GridCell> cells, IReadOnlyList<GridRow> rows, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(rows);
        var c = settings.Base;
        var sb = new StringBuilder();
        sb.AppendLine("# " + table.Title);
        sb.AppendLine();
        string spread = settings.Seeds > 1 ? F($"mean ± sample standard deviation over seeds 1..{settings.Seeds} [best, worst]") : "seed 1";
        sb.AppendLine(F($"Each cell: paper / ours. {table.Describe(c)}, {spread}."));
        sb.AppendLine();
        sb.Append("| Model |");
        foreach (int r in settings.Sizes)
        {
            sb.Append(F($" {table.SizeLabel}={r} paper | {table.SizeLabel}={r} ours |"));
        }
        sb.AppendLine();
        sb.Append("|---|");
        foreach (int _ in settings.Sizes)
        {
            sb.Append("---:|---:|");
        }
        sb.AppendLine();
        foreach (string m in settings.Models)
        {
            sb.Append("| ").Append(table.Label(m)).Append(" |");
            foreach (int r in settings.Sizes)
            {
                var row = rows.First(x => x.Model == m && x.Size == r);
                sb.Append(' ').Append(row.PaperErrorPercent is { } p ? F($"{p:F2}") : "–").Append(" | ");
                sb.Append(Ours(row)).Append(" |");
            }
            sb.AppendLine();
        }
        sb.AppendLine();
        sb.AppendLine("## Budget (the same for every cell)");
        sb.AppendLine();
        sb.AppendLine(F($"- {c.Steps} Adam steps of batch {c.Batch} (β = 0.9, 0.999, ε = 1e-8), peak learning rate {c.LearningRate:G4} with {Math.Min(c.WarmupSteps, c.Steps - 1)} linear warm-up steps, then cosine decay to {c.MinLearningRateFraction:G3} × peak; global gradient-norm clip {c.ClipNorm:G4}."));
        foreach (string line in table.Budget(c))
        {
            sb.AppendLine("- " + line);
        }
        sb.AppendLine(F($"- Validation every {c.EvalEvery} steps; checkpoint every {c.SaveEvery} steps."));
        sb.AppendLine(F($"- Cells: {cells.Count}; jobs: {settings.Jobs}; wall time of the last invocation: {wallSeconds / 60:F1} min; sum of per-cell training times: {cells.Sum(x => x.Seconds) / 60:F1} min."));
        if (figure is not null)
        {
            sb.AppendLine(F($"- Learning curves: [{figure}]({figure})."));
        }
        sb.AppendLine();
        sb.AppendLine("## Runs");
        sb.AppendLine();
        sb.AppendLine(F($"| Model | {table.SizeLabel} | Seed | Test error (%) | Training time (s) | Status |"));
        sb.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var cell in cells)
        {
            sb.AppendLine(F($"| {cell.Model} | {cell.Size} | {cell.Seed} | {(cell.TestErrorPercent is { } e ? e.ToString("F2", CultureInfo.InvariantCulture) : "–")} | {cell.Seconds:F0} | {cell.Status} |"));
        }
        return sb.ToString();
    }

    private static string Ours(GridRow row)
    {
        if (row.MeanErrorPercent is not { } mean)
        {
            return "not run";
        }
        string s = row.Seeds == 1 ? F($"{mean:F2}") : F($"{mean:F2} ± {row.StdErrorPercent:F2} [{row.MinErrorPercent:F2}, {row.MaxErrorPercent:F2}]");
        return row.Completed < row.Seeds ? s + F($" ({row.Completed}/{row.Seeds} seeds)") : s;
    }

    /// <summary>The JSON report: settings, the paper's numbers and ours per (model, R), and every cell.</summary>
    public static string Json(PaperTable table, GridSettings settings, IReadOnlyList<GridCell> cells, IReadOnlyList<GridRow> rows, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(settings);
        var doc = new
        {
            paper = table.Citation,
            seeds = settings.Seeds,
            jobs = settings.Jobs,
            models = settings.Models,
            sizes = settings.Sizes,
            wall_seconds = wallSeconds,
            figure,
            // The shared budget; each cell replaces model, hidden and seed.
            config = settings.Base,
            rows = rows.Select(r => new
            {
                model = r.Model,
                hidden = r.Size,
                paper_error_percent = r.PaperErrorPercent,
                mean_error_percent = r.MeanErrorPercent,
                std_error_percent = r.StdErrorPercent,
                min_error_percent = r.MinErrorPercent,
                max_error_percent = r.MaxErrorPercent,
                completed = r.Completed,
                seeds = r.Seeds,
            }),
            cells = cells.Select(x => new
            {
                model = x.Model,
                hidden = x.Size,
                seed = x.Seed,
                run = Path.GetRelativePath(settings.OutputDirectory, x.Directory),
                test_error_percent = x.TestErrorPercent,
                seconds = x.Seconds,
                status = x.Status,
            }),
        };
        return JsonSerializer.Serialize(doc, TrainingConfig.JsonOptions) + "\n";
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
