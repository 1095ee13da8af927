using System.Globalization;
using System.Text.Json;
using FastWeights.Kernels;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>
/// Reproduces a table of Ba et al. 2016 (Table 1, associative retrieval; Table 2, glimpses): trains every (model, R, seed) cell of the grid with
/// the same budget into <c>runs/&lt;model&gt;-r&lt;R&gt;-s&lt;seed&gt;</c>, skipping cells that already finished and
/// resuming cells that have a checkpoint, so an interrupted grid continues where it stopped.
/// </summary>
public static class GridExperiment
{
    /// <summary>
    /// Trains (or skips, or resumes) every cell and returns their outcomes in grid order: sizes as given, models as
    /// given, seeds ascending. <paramref name="log"/> receives one line when a cell starts and one when it ends; it is
    /// called from the worker threads, one call at a time.
    /// </summary>
    public static IReadOnlyList<GridCell> Run(GridSettings settings, Action<string> log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        settings.Validate();
        // A shard trains its part of the plan; --collect trains nothing and reads what is finished.
        var plan = Plan(settings).Where((_, i) => settings.Shard?.Owns(i) ?? true).ToList();
        // Refuse before training anything if a finished or started run was made with another configuration.
        foreach (var (config, dir) in plan)
        {
            CheckExisting(config, dir);
        }

        var results = new GridCell?[plan.Count];
        var gate = new object();
        int next = -1, done = 0;
        Exception? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        void Log(string line)
        {
            lock (gate)
            {
                log(line);
            }
        }

        void Worker()
        {
            try
            {
                for (int i = Interlocked.Increment(ref next); i < plan.Count && !stop.IsCancellationRequested; i = Interlocked.Increment(ref next))
                {
                    var (config, dir) = plan[i];
                    var cell = settings.CollectOnly ? CollectCell(settings, config, dir) : RunCell(settings, config, dir, Log, stop.Token);
                    results[i] = cell;
                    int k = Interlocked.Increment(ref done);
                    Log(Invariant($"[{k}/{plan.Count}] {Describe(settings, config)}: {Summary(cell)}"));
                }
            }
            catch (Exception e)
            {
                lock (gate)
                {
                    failure ??= e;
                }
                stop.Cancel();
            }
        }

        // With J jobs on P cores each product may use P/J threads, so the jobs do not oversubscribe the machine.
        int savedThreads = KernelThreads.MaxThreads;
        int jobs = Math.Min(settings.Jobs, plan.Count);
        KernelThreads.MaxThreads = Math.Max(1, savedThreads / jobs);
        try
        {
            if (jobs == 1)
            {
                Worker();
            }
            else
            {
                var threads = Enumerable.Range(0, jobs).Select(j => new Thread(Worker) { Name = $"grid-job-{j}", IsBackground = true }).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
            }
        }
        finally
        {
            KernelThreads.MaxThreads = savedThreads;
        }
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
        // Cells never started (after an interruption) are reported as interrupted.
        return [.. results.Select((c, i) => c ?? new GridCell(plan[i].Config.Model, settings.SizeAxis.Of(plan[i].Config), plan[i].Config.Seed, plan[i].Directory, null, 0, "interrupted"))];
    }

    /// <summary>The cells of the grid with their configurations and run directories, in training order.</summary>
    public static IReadOnlyList<(TrainingConfig Config, string Directory)> Plan(GridSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var plan = new List<(TrainingConfig, string)>();
        foreach (int r in settings.Sizes)
        {
            foreach (string m in settings.Models)
            {
                for (ulong s = 1; s <= (ulong)settings.Seeds; s++)
                {
                    plan.Add((settings.CellConfig(m, r, s), settings.CellDirectory(m, r, s)));
                }
            }
        }
        return plan;
    }

    private static void CheckExisting(TrainingConfig config, string dir)
    {
        if (!File.Exists(Path.Combine(dir, RunDirectory.ConfigFile)))
        {
            return;
        }
        var existing = RunDirectory.ReadConfig(dir);
        if (!existing.SameRunAs(config))
        {
            throw new ArgumentException(Invariant($"'{dir}' holds a run with another configuration ({existing.Steps} steps, batch {existing.Batch}, lr {existing.LearningRate}); use another --out or remove it"));
        }
    }

    // A cell as it stands, without training: its result when finished, otherwise "missing".
    private static GridCell CollectCell(GridSettings settings, TrainingConfig config, string dir) =>
        File.Exists(Path.Combine(dir, RunDirectory.ResultFile))
            ? FromResult(settings, config, dir, "collected")
            : new GridCell(config.Model, settings.SizeAxis.Of(config), config.Seed, dir, null, Seconds(dir), "missing");

    private static GridCell RunCell(GridSettings settings, TrainingConfig config, string dir, Action<string> log, CancellationToken cancel)
    {
        string resultPath = Path.Combine(dir, RunDirectory.ResultFile);
        if (File.Exists(resultPath))
        {
            return FromResult(settings, config, dir, "skipped");
        }
        TrainingResult result;
        if (File.Exists(Path.Combine(dir, RunDirectory.ConfigFile)))
        {
            // Resume takes the run's lock; a run stopped before its first checkpoint starts over under it.
            log($"resuming {Describe(settings, config)} in {dir}");
            result = Trainer.Resume(dir, null, cancel);
        }
        else
        {
            log($"training {Describe(settings, config)} in {dir}");
            result = Trainer.Train(config, dir, null, cancel);
        }
        return result.Outcome switch
        {
            TrainingOutcome.Completed => FromResult(settings, config, dir, "completed"),
            TrainingOutcome.Diverged => new GridCell(config.Model, settings.SizeAxis.Of(config), config.Seed, dir, null, Seconds(dir), "diverged"),
            _ => new GridCell(config.Model, settings.SizeAxis.Of(config), config.Seed, dir, null, Seconds(dir), "interrupted"),
        };
    }

    private static GridCell FromResult(GridSettings settings, TrainingConfig config, string dir, string status)
    {
        string path = Path.Combine(dir, RunDirectory.ResultFile);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            double error = doc.RootElement.GetProperty("test_error_rate").GetDouble();
            return new GridCell(config.Model, settings.SizeAxis.Of(config), config.Seed, dir, error * 100, Seconds(dir), status);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{path}: not a result file ({e.Message})", e);
        }
    }

    // Training wall time of a run: the seconds of its last metrics record.
    private static double Seconds(string dir)
    {
        string path = Path.Combine(dir, RunDirectory.MetricsFile);
        if (!File.Exists(path))
        {
            return 0;
        }
        double seconds = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length > 0)
            {
                using var doc = JsonDocument.Parse(line);
                seconds = doc.RootElement.GetProperty("seconds").GetDouble();
            }
        }
        return seconds;
    }

    /// <summary>Summarises the cells per (model, R) over seeds, in the order of the settings' sizes and models, beside the paper's error (<paramref name="paperErrorPercent"/>, null where it has none).</summary>
    public static IReadOnlyList<GridRow> Summarise(GridSettings settings, IReadOnlyList<GridCell> cells, Func<string, int, double?> paperErrorPercent)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cells);
        var rows = new List<GridRow>();
        foreach (string m in settings.Models)
        {
            foreach (int r in settings.Sizes)
            {
                var errors = cells.Where(c => c.Model == m && c.Size == r && c.TestErrorPercent is not null).Select(c => c.TestErrorPercent!.Value).ToArray();
                double? mean = errors.Length > 0 ? errors.Average() : null;
                double? std = errors.Length switch
                {
                    0 => null,
                    1 => 0,
                    _ => Math.Sqrt(errors.Sum(e => (e - mean!.Value) * (e - mean!.Value)) / (errors.Length - 1)),
                };
                rows.Add(new GridRow(m, r, paperErrorPercent(m, r), mean, std,
                    errors.Length > 0 ? errors.Min() : null, errors.Length > 0 ? errors.Max() : null, errors.Length, settings.Seeds));
            }
        }
        return rows;
    }

    private static string Describe(GridSettings settings, TrainingConfig c) => Invariant($"{c.Model} {settings.SizeAxis.Label}={settings.SizeAxis.Of(c)} seed {c.Seed}");

    private static string Summary(GridCell c) => c.Status switch
    {
        "completed" => Invariant($"test error {c.TestErrorPercent:F2}% in {c.Seconds:F0} s"),
        "skipped" => Invariant($"already finished (test error {c.TestErrorPercent:F2}%), skipped"),
        "collected" => Invariant($"finished (test error {c.TestErrorPercent:F2}%)"),
        "missing" => "not finished (train its shard, then collect again)",
        "diverged" => "diverged (no test error)",
        _ => "interrupted; start the command again to continue",
    };

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
