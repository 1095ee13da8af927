using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>Writes <c>table1.md</c> (our error beside the paper's) and <c>table1.json</c> for a grid's cells.</summary>
public static class Table1Report
{
    /// <summary>The Markdown table file name.</summary>
    public const string MarkdownFile = "table1.md";

    /// <summary>The JSON file name.</summary>
    public const string JsonFile = "table1.json";

    /// <summary>
    /// Writes both files into the settings' output directory. <paramref name="wallSeconds"/> is the wall time of
    /// this invocation; <paramref name="figure"/> is the learning-curve image's file name (or null if none was drawn).
    /// </summary>
    public static void Write(Table1Settings settings, IReadOnlyList<Table1Cell> cells, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        var rows = Table1Experiment.Summarise(settings, cells);
        Directory.CreateDirectory(settings.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, MarkdownFile), Markdown(settings, cells, rows, wallSeconds, figure));
        AtomicFile.WriteAllText(Path.Combine(settings.OutputDirectory, JsonFile), Json(settings, cells, rows, wallSeconds, figure));
    }

    /// <summary>The Markdown report.</summary>
    public static string Markdown(Table1Settings settings, IReadOnlyList<Table1Cell> cells, IReadOnlyList<Table1Row> rows, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(rows);
        var c = settings.Base;
        var sb = new StringBuilder();
        sb.AppendLine("# Table 1 of Ba et al. 2016: associative retrieval, test error (%)");
        sb.AppendLine();
        string spread = settings.Seeds > 1 ? F($"mean ± sample standard deviation over seeds 1..{settings.Seeds} [best, worst]") : "seed 1";
        sb.AppendLine(F($"Each cell: paper / ours. Ours is the test error on {c.TestSize} held-out sequences (K = {c.Pairs} pairs), {spread}. Rows marked (extra) have no published numbers; the public TensorFlow implementation compared them."));
        sb.AppendLine();
        sb.Append("| Model |");
        foreach (int r in settings.Sizes)
        {
            sb.Append(F($" R={r} paper | R={r} ours |"));
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
            sb.Append("| ").Append(PaperTable1.Label(m)).Append(" |");
            foreach (int r in settings.Sizes)
            {
                var row = rows.First(x => x.Model == m && x.Hidden == r);
                sb.Append(' ').Append(row.PaperErrorPercent is { } p ? F($"{p:F2}") : "–").Append(" | ");
                sb.Append(Ours(row)).Append(" |");
            }
            sb.AppendLine();
        }
        sb.AppendLine();
        sb.AppendLine("## Budget (the same for every cell)");
        sb.AppendLine();
        sb.AppendLine(F($"- {c.Steps} Adam steps of batch {c.Batch} (β = 0.9, 0.999, ε = 1e-8), peak learning rate {c.LearningRate:G4} with {Math.Min(c.WarmupSteps, c.Steps - 1)} linear warm-up steps, then cosine decay to {c.MinLearningRateFraction:G3} × peak; global gradient-norm clip {c.ClipNorm:G4}."));
        sb.AppendLine(F($"- Data: {c.TrainSize} training, {c.ValidationSize} validation and {c.TestSize} test sequences per seed; embedding size {c.EmbeddingSize}; fast weights λ = {c.Lambda:G3}, η = {c.Eta:G3}, S = {c.InnerSteps}."));
        sb.AppendLine(F($"- Validation every {c.EvalEvery} steps; checkpoint every {c.SaveEvery} steps."));
        sb.AppendLine(F($"- Cells: {cells.Count}; jobs: {settings.Jobs}; wall time of the last invocation: {wallSeconds / 60:F1} min; sum of per-cell training times: {cells.Sum(x => x.Seconds) / 60:F1} min."));
        if (figure is not null)
        {
            sb.AppendLine(F($"- Learning curves: [{figure}]({figure})."));
        }
        sb.AppendLine();
        sb.AppendLine("## Runs");
        sb.AppendLine();
        sb.AppendLine("| Model | R | Seed | Test error (%) | Training time (s) | Status |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var cell in cells)
        {
            sb.AppendLine(F($"| {cell.Model} | {cell.Hidden} | {cell.Seed} | {(cell.TestErrorPercent is { } e ? e.ToString("F2", CultureInfo.InvariantCulture) : "–")} | {cell.Seconds:F0} | {cell.Status} |"));
        }
        return sb.ToString();
    }

    private static string Ours(Table1Row row)
    {
        if (row.MeanErrorPercent is not { } mean)
        {
            return "not run";
        }
        string s = row.Seeds == 1 ? F($"{mean:F2}") : F($"{mean:F2} ± {row.StdErrorPercent:F2} [{row.MinErrorPercent:F2}, {row.MaxErrorPercent:F2}]");
        return row.Completed < row.Seeds ? s + F($" ({row.Completed}/{row.Seeds} seeds)") : s;
    }

    /// <summary>The JSON report: settings, the paper's numbers and ours per (model, R), and every cell.</summary>
    public static string Json(Table1Settings settings, IReadOnlyList<Table1Cell> cells, IReadOnlyList<Table1Row> rows, double wallSeconds, string? figure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var doc = new
        {
            paper = "Ba, Hinton, Mnih, Leibo, Ionescu 2016, Using Fast Weights to Attend to the Recent Past, Table 1",
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
                hidden = r.Hidden,
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
                hidden = x.Hidden,
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
