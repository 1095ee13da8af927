using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FastWeights.Experiments;
using FastWeights.Models;
using FastWeights.Training;
using ScottPlot;
using GridCell = FastWeights.Experiments.GridCell;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights reproduce table1</c>: trains the grid of Table 1 of Ba et al. 2016 and writes the comparison.</summary>
internal static class ReproduceCommand
{
    /// <summary>The size whose learning curves are drawn (the paper's Figure 2 uses R = 50).</summary>
    private const int FigureSize = 50;

    public static Command Create(TextWriter stdout)
    {
        var cmd = new Command("reproduce", "Reproduce an experiment of the fast-weights paper.");
        cmd.Add(CreateTable1(stdout));
        cmd.Add(CreateTable2(stdout));
        cmd.Add(CreateCatch(stdout));
        cmd.Add(CreateLanguageModelling(stdout));
        return cmd;
    }

    private static Command CreateLanguageModelling(TextWriter stdout)
    {
        var data = new Option<string>("--data") { Description = "The text to model ('fastweights data prepare bible --out kjv.txt' writes the corpus of the results page)", Required = true };
        var context = new Option<int>("--context") { Description = "Tokens per window T", DefaultValueFactory = _ => LanguageModellingExperiment.DefaultContext };
        var grid = new GridOptions(LanguageModellingExperiment.DefaultSteps, LanguageModellingExperiment.Sizes, "model sizes D", LanguageModellingExperiment.Models, "Windows per step", LanguageModellingExperiment.DefaultBatch);
        var command = new Command("lm", "Train every sequence model on a text at the same budget and about the same size, the fast weight programmers also with carried state, and write language-modelling.md, .json and the validation curves.") { data, context };
        grid.AddTo(command);
        command.SetAction(p =>
        {
            var settings = grid.Read(p, m => m.Family is ModelFamily.Recurrent or ModelFamily.FastWeightProgrammer or ModelFamily.Attention, "the sequence models",
                steps => LanguageModellingExperiment.Base(p.GetValue(data)!, steps, p.GetValue(context)), LanguageModellingExperiment.ModelSize(carryState: false));
            var carried = LanguageModellingExperiment.Carried(settings);
            carried?.Validate();
            using var stop = new StopSignals();
            using var writer = Lock(settings);
            var clock = Stopwatch.StartNew();
            var cells = RunGrid("lm", settings, stdout, stop, clock);
            var carriedCells = carried is null || stop.Token.IsCancellationRequested ? [] : RunGrid("lm --carry-state", carried, stdout, stop, clock);
            if (settings.Shard is not null)
            {
                return ShardFinished(settings, [.. cells, .. carriedCells], stop, stdout);
            }
            var runs = cells.Select(c => (Cell: c, Carry: false)).Concat(carriedCells.Select(c => (Cell: c, Carry: true)))
                .Select(r => LanguageModellingReport.Read(r.Cell, r.Carry, r.Cell.TestErrorPercent is null || r.Carry ? null : MicrosecondsPerToken(r.Cell.Directory)))
                .ToList();
            string? figure = DrawLanguageModellingFigure(settings, runs);
            var sample = Sample(runs);
            LanguageModellingReport.Write(settings, runs, clock.Elapsed.TotalSeconds, figure, sample);
            stdout.WriteLine(F($"wrote {Path.Combine(settings.OutputDirectory, LanguageModellingReport.MarkdownFile)}, {LanguageModellingReport.JsonFile}{(figure is null ? string.Empty : ", " + figure)} in {clock.Elapsed.TotalMinutes:F1} min"));
            return Finished([.. cells, .. carriedCells], stop, stdout);
        });
        return command;
    }

    // Streaming generation time per token of a trained run: batch 1, a one-byte prompt, 255 greedy tokens (within the
    // transformer's window of learned positions), the best of three passes after a warm-up pass.
    private static double MicrosecondsPerToken(string dir)
    {
        var (config, model) = RunDirectory.LoadSequenceModel(dir);
        int tokens = Math.Min(255, config.Context - 1);
        double best = double.PositiveInfinity;
        for (int pass = 0; pass < 4; pass++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var _ in GenerateCommand.Generate(model, [(int)'A'], tokens, config.Context, new TokenSampler(0, 0, new Tensors.Rng(1))))
            {
            }
            if (pass > 0)
            {
                best = Math.Min(best, clock.Elapsed.TotalMicroseconds / tokens);
            }
        }
        return best;
    }

    // 400 bytes from the run with the lowest test bits per byte, sampled at temperature 0.8 with seed 1.
    private static (string Model, string Prompt, string Text)? Sample(IReadOnlyList<LanguageModellingRun> runs)
    {
        var best = runs.Where(r => r.BitsPerByte is not null).OrderBy(r => r.BitsPerByte).FirstOrDefault();
        if (best is null)
        {
            return null;
        }
        const string prompt = "And God said";
        var (config, model) = RunDirectory.LoadSequenceModel(best.Directory);
        var task = (Tasks.LanguageModelling.LanguageModelTask)Tasks.TaskCatalog.Create(config);
        var ids = GenerateCommand.Generate(model, task.Encode(prompt), 400, config.Context, new TokenSampler(0.8, 0, new Tensors.Rng(1))).Select(g => g.Id).ToArray();
        return (best.CarryState ? best.Model + " with carried state" : best.Model, prompt, task.Decode(ids));
    }

    // Validation bits per byte against steps, a line per run (dashed with carried state).
    private static string? DrawLanguageModellingFigure(GridSettings settings, IReadOnlyList<LanguageModellingRun> runs)
    {
        var plot = new Plot();
        bool any = false;
        foreach (var run in runs)
        {
            var curve = PlotCommand.TryRead(run.Directory);
            if (curve is null || curve.Records.Count == 0)
            {
                continue;
            }
            var line = plot.Add.Scatter(curve.Records.Select(r => (double)r.Step).ToArray(), curve.Records.Select(r => r.ValidationLoss / Math.Log(2)).ToArray());
            line.LegendText = run.CarryState ? run.Model + " (carried)" : run.Model;
            line.MarkerSize = 4;
            line.LineWidth = 2;
            if (run.CarryState)
            {
                line.LinePattern = LinePattern.Dashed;
            }
            any = true;
        }
        if (!any)
        {
            return null;
        }
        plot.Title(F($"Validation bits per byte, {settings.Base.Context}-byte windows"));
        plot.XLabel("training step");
        plot.YLabel("bits per byte");
        plot.ShowLegend(Alignment.UpperRight);
        const string name = "language-modelling-curves.png";
        Directory.CreateDirectory(settings.OutputDirectory);
        AtomicFile.WriteVia(Path.Combine(settings.OutputDirectory, name), tmp => plot.SavePng(tmp, 1000, 600));
        return name;
    }

    private static Command CreateCatch(TextWriter stdout)
    {
        var grid = new GridOptions(CatchExperiment.DefaultSteps, CatchExperiment.Sizes, "screen sides N", CatchExperiment.Models, "Episodes per update", CatchExperiment.DefaultBatch);
        var hidden = new Option<int>("--hidden", "-R") { Description = "Recurrent units of every core", DefaultValueFactory = _ => CatchExperiment.DefaultHidden };
        var blankAfter = new Option<int?>("--blank-after") { Description = "Frames seen before the screen goes blank, for every size (default N / 3)" };
        var command = new Command("catch", "Train the Catch comparison of §5 (fast weights, RNN, IRNN, LSTM cores × screen sizes, actor-critic) and write catch.md, catch.json and the learning curves.");
        grid.AddTo(command, hidden, blankAfter);
        command.SetAction(p =>
        {
            var settings = grid.Read(p, m => m.CanAct, "the models that can be an agent's core",
                steps => CatchExperiment.Base(steps) with { Hidden = p.GetValue(hidden) }, CatchExperiment.Board(p.GetValue(blankAfter)));
            using var stop = new StopSignals();
            // One grid process per output directory (each cell's run directory has its own lock too).
            using var writer = Lock(settings);
            var clock = Stopwatch.StartNew();
            var cells = RunGrid("catch", settings, stdout, stop, clock);
            if (settings.Shard is not null)
            {
                return ShardFinished(settings, cells, stop, stdout);
            }
            string? figure = DrawCatchFigure(settings, cells);
            CatchReport.Write(settings, cells, clock.Elapsed.TotalSeconds, figure);
            stdout.WriteLine(F($"wrote {Path.Combine(settings.OutputDirectory, CatchReport.MarkdownFile)}, {CatchReport.JsonFile}{(figure is null ? string.Empty : ", " + figure)} in {clock.Elapsed.TotalMinutes:F1} min"));
            return Finished(cells, stop, stdout);
        });
        return command;
    }

    // Validation catch rate against episodes trained: a panel per screen size, a line per core (the mean over its seeds).
    private static string? DrawCatchFigure(GridSettings settings, IReadOnlyList<GridCell> cells)
    {
        var multi = new ScottPlot.Multiplot();
        multi.AddPlots(settings.Sizes.Count);
        bool any = false;
        for (int i = 0; i < settings.Sizes.Count; i++)
        {
            int n = settings.Sizes[i];
            var plot = multi.GetPlot(i);
            foreach (string m in settings.Models)
            {
                var curves = cells.Where(c => c.Model == m && c.Size == n).Select(c => PlotCommand.TryRead(c.Directory)).OfType<PlotCommand.Curve>().ToList();
                if (curves.Count == 0)
                {
                    continue;
                }
                int points = curves.Min(c => c.Records.Count);
                double[] episodes = [.. curves[0].Records.Take(points).Select(r => (double)r.Step * settings.Base.Batch)];
                double[] rate = [.. Enumerable.Range(0, points).Select(k => curves.Average(c => c.Records[k].ValidationAccuracy) * 100)];
                var line = plot.Add.Scatter(episodes, rate);
                line.LegendText = curves.Count > 1 ? F($"{m} (mean of {curves.Count} seeds)") : m;
                line.MarkerSize = 0;
                line.LineWidth = 2;
                any = true;
            }
            var probe = settings.CellConfig(settings.Models[0], n, 1);
            plot.Title(F($"Catch {n}x{n}, blank after {probe.BlankAfter} frames"));
            plot.XLabel("training episodes");
            plot.YLabel("validation catch rate (%), greedy");
            plot.Axes.SetLimitsY(0, 100);
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        }
        if (!any)
        {
            return null;
        }
        const string name = "catch-curves.png";
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Directory.CreateDirectory(settings.OutputDirectory);
        AtomicFile.WriteVia(Path.Combine(settings.OutputDirectory, name), tmp => multi.SavePng(tmp, 700 * settings.Sizes.Count, 500));
        return name;
    }

    private static Command CreateTable1(TextWriter stdout)
    {
        var d = new TrainingConfig();
        var grid = new GridOptions(PaperTable1.DefaultSteps, PaperTable1.Sizes, "sizes R", PaperTable1.AllModels, "Examples per step");
        var trainSize = new Option<int>("--train-size") { Description = "Training examples per seed (smaller only for quick checks)", DefaultValueFactory = _ => d.TrainSize };
        var valSize = new Option<int>("--validation-size") { Description = "Validation examples per seed", DefaultValueFactory = _ => d.ValidationSize };
        var testSize = new Option<int>("--test-size") { Description = "Test examples per seed", DefaultValueFactory = _ => d.TestSize };
        var table1 = new Command("table1", "Train the Table 1 grid (associative retrieval; IRNN, LSTM, A-LSTM, fast weights and extras × R) and write table1.md, table1.json and the R=50 learning curves.");
        grid.AddTo(table1, trainSize, valSize, testSize);
        table1.SetAction(p =>
        {
            var settings = grid.Read(p, m => m.Family == ModelFamily.Recurrent, "Table 1's recurrent models", steps => GridSettings.ForSteps(steps) with
            {
                TrainSize = p.GetValue(trainSize),
                ValidationSize = p.GetValue(valSize),
                TestSize = p.GetValue(testSize),
                Eta = PaperTable1.FastWeightsEta,
                LearningRate = PaperTable1.LearningRate,
            });
            return Run(PaperTable1.Table, settings, FigureSize, stdout);
        });
        return table1;
    }

    private static Command CreateTable2(TextWriter stdout)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory of MNIST-format IDX files (the paper's MNIST; 'fastweights data prepare mnist' makes one; Fashion-MNIST works too)", Required = true };
        var grid = new GridOptions(PaperTable2.DefaultSteps, PaperTable2.Sizes, "feature counts F", PaperTable2.Models, "Images per step");
        var table2 = new Command("table2", "Train the Table 2 grid (glimpses of §4.2; IRNN, LSTM, ConvNet, fast weights × F) and write table2.md, table2.json and the F=100 learning curves.") { dataDir };
        grid.AddTo(table2);
        table2.SetAction(p =>
        {
            var settings = grid.Read(p, m => m.CreateImageModel is not null, "the models that read images", steps => PaperTable2.Base(p.GetValue(dataDir)!, steps));
            return Run(PaperTable2.Table, settings, 100, stdout);
        });
        return table2;
    }

    // The options every grid shares (budget, seeds, jobs, sizes, models, batch, output) and the settings they make.
    private sealed class GridOptions(int defaultSteps, IReadOnlyList<int> sizes, string sizeName, IReadOnlyList<string> models, string batchHelp, int? defaultBatch = null)
    {
        private readonly Option<int> steps = new("--steps") { Description = "Optimiser steps per cell (the same for every cell)", DefaultValueFactory = _ => defaultSteps };
        private readonly Option<int> seeds = new("--seeds") { Description = "Seeds 1..K per cell", DefaultValueFactory = _ => 1 };
        private readonly Option<int> jobs = new("--jobs", "-j") { Description = "Cells trained at the same time (each product then uses cores/J threads)", DefaultValueFactory = _ => 1 };
        private readonly Option<string> sizes = new("--sizes") { Description = "Comma-separated " + sizeName, DefaultValueFactory = _ => string.Join(',', sizes) };
        private readonly Option<string> models = new("--models") { Description = "Comma-separated models", DefaultValueFactory = _ => string.Join(',', models) };
        private readonly Option<int> batch = new("--batch") { Description = batchHelp, DefaultValueFactory = _ => defaultBatch ?? new TrainingConfig().Batch };
        private readonly Option<string> output = new("--out", "-o") { Description = "Output directory (runs/ and the report); an interrupted grid continues when started again with the same options", Required = true };
        private readonly Option<string?> shard = new("--shard") { Description = "Train only part I/N of the grid (0 ≤ I < N; cell k belongs to part k mod N), for N processes or cluster jobs sharing --out; no report (see --collect and docs/cluster.md)" };
        private readonly Option<bool> collect = new("--collect") { Description = "Train nothing: build the report from the finished cells in --out (after every --shard has run)" };

        public void AddTo(Command command, params Option[] extra)
        {
            foreach (var option in new Option[] { steps, seeds, jobs, sizes, models, batch }.Concat(extra).Append(shard).Append(collect).Append(output))
            {
                command.Add(option);
            }
        }

        public GridSettings Read(ParseResult p, Func<ModelSpec, bool> allowed, string allowedName, Func<int, TrainingConfig> baseFor, GridSizeAxis? axis = null)
        {
            int n = p.GetValue(steps);
            if (n < 1)
            {
                throw new CliException("--steps must be at least 1");
            }
            var settings = new GridSettings
            {
                OutputDirectory = p.GetValue(output)!,
                Models = ParseModels(p.GetValue(models)!, allowed, allowedName),
                Sizes = ParseSizes(p.GetValue(sizes)!),
                Seeds = p.GetValue(seeds),
                Jobs = p.GetValue(jobs),
                Base = baseFor(n) with { Batch = p.GetValue(batch) },
                SizeAxis = axis ?? GridSizeAxis.Hidden,
                Shard = p.GetValue(shard) is { } text ? GridShard.Parse(text) : null,
                CollectOnly = p.GetValue(collect),
            };
            if (settings.Shard is not null && settings.CollectOnly)
            {
                throw new CliException("--shard trains a part of the grid and --collect builds the report from every part: give one of them");
            }
            settings.Validate();
            return settings;
        }
    }

    private static int Run(PaperTable table, GridSettings settings, int figureSize, TextWriter stdout)
    {
        using var stop = new StopSignals(); // running cells finish their step and save a checkpoint
        // One grid process per output directory (each cell's run directory has its own lock too).
        using var writer = Lock(settings);
        var clock = Stopwatch.StartNew();
        var cells = RunGrid(table.Name, settings, stdout, stop, clock);
        if (settings.Shard is not null)
        {
            return ShardFinished(settings, cells, stop, stdout);
        }
        string? figure = DrawFigure(table, settings, cells, figureSize);
        GridReport.Write(table, settings, cells, clock.Elapsed.TotalSeconds, figure);
        stdout.WriteLine(F($"wrote {Path.Combine(settings.OutputDirectory, GridReport.MarkdownFile(table))}, {GridReport.JsonFile(table)}{(figure is null ? string.Empty : ", " + figure)} in {clock.Elapsed.TotalMinutes:F1} min"));
        return Finished(cells, stop, stdout);
    }

    // Trains (skips, resumes) every cell of the grid, logging a timed line per cell start and end.
    private static IReadOnlyList<GridCell> RunGrid(string name, GridSettings settings, TextWriter stdout, StopSignals stop, Stopwatch clock)
    {
        int cellCount = settings.Models.Count * settings.Sizes.Count * settings.Seeds;
        stdout.WriteLine(F($"{name}: {cellCount} cells ({settings.Models.Count} models × {settings.Sizes.Count} sizes × {settings.Seeds} seeds), {settings.Base.Steps} steps each, {settings.Jobs} jobs, into {settings.OutputDirectory}{(settings.Shard is { } shard ? ", shard " + shard : settings.CollectOnly ? ", collecting finished cells" : string.Empty)}"));
        stdout.Flush();
        return GridExperiment.Run(settings, line =>
        {
            stdout.WriteLine(F($"{clock.Elapsed.TotalMinutes,6:F1} min  {line}"));
            stdout.Flush();
        }, stop.Token);
    }

    // The lock of a grid process: the output directory's, or with --shard the shard's own (shards share the output
    // directory; each cell's run directory has its own lock too).
    private static IDisposable Lock(GridSettings settings) =>
        settings.Shard is { } shard
            ? RunLock.Acquire(Path.Combine(settings.OutputDirectory, "shards", F($"{shard.Index}-of-{shard.Count}")))
            : RunLock.Acquire(settings.OutputDirectory);

    // A shard writes no report: that is --collect's, once every shard has finished.
    private static int ShardFinished(GridSettings settings, IReadOnlyList<GridCell> cells, StopSignals stop, TextWriter stdout)
    {
        stdout.WriteLine(F($"shard {settings.Shard}: {cells.Count(c => c.TestErrorPercent is not null)} of its {cells.Count} cells finished; when every shard has, build the report with the same command and --collect instead of --shard"));
        return Finished(cells, stop, stdout);
    }

    // The exit code of a grid: interrupted when a cell did not finish.
    private static int Finished(IReadOnlyList<GridCell> cells, StopSignals stop, TextWriter stdout)
    {
        if (cells.Any(c => c.Status == "interrupted"))
        {
            stdout.WriteLine("interrupted: finished cells are kept; start the same command again to continue");
            return stop.InterruptedExitCode;
        }
        if (cells.Count(c => c.Status == "missing") is > 0 and int missing)
        {
            stdout.WriteLine(F($"{missing} cells are not finished yet: the report shows them as missing; collect again when their shards are done"));
        }
        return ExitCodes.Ok;
    }

    // Validation accuracy and loss against steps of every model at one size (or the first size if it is not in the grid).
    private static string? DrawFigure(PaperTable table, GridSettings settings, IReadOnlyList<GridCell> cells, int figureSize)
    {
        int r = settings.Sizes.Contains(figureSize) ? figureSize : settings.Sizes[0];
        var curves = new List<PlotCommand.Curve>();
        foreach (var c in cells.Where(c => c.Size == r && File.Exists(Path.Combine(c.Directory, RunDirectory.MetricsFile))))
        {
            var curve = PlotCommand.TryRead(c.Directory);
            if (curve is not null)
            {
                string label = table.Label(c.Model).Replace(" (extra)", string.Empty, StringComparison.Ordinal);
                curves.Add(curve with { Label = settings.Seeds > 1 ? F($"{label} s{c.Seed}") : label });
            }
        }
        if (curves.Count == 0)
        {
            return null;
        }
        string name = F($"learning-curves-{table.SizeLabel.ToLowerInvariant()}{r}.png");
        PlotCommand.RenderLearningCurves(curves, Path.Combine(settings.OutputDirectory, name), 1400, 550, F($" ({table.SizeLabel}={r})"));
        return name;
    }

    private static IReadOnlyList<int> ParseSizes(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int r) || r < 1)
            {
                throw new CliException($"--sizes: '{part}' is not a positive integer");
            }
            if (!list.Contains(r))
            {
                list.Add(r);
            }
        }
        return list.Count > 0 ? list : throw new CliException("--sizes must name at least one size");
    }

    private static IReadOnlyList<string> ParseModels(string text, Func<ModelSpec, bool> allowed, string allowedName)
    {
        var list = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var spec = ModelCatalog.Find(part);
            if (!allowed(spec))
            {
                throw new CliException($"--models: {spec.Name} is not one of {allowedName} ({string.Join(", ", ModelCatalog.All.Where(allowed).Select(m => m.Name))})");
            }
            string name = spec.Name;
            if (!list.Contains(name))
            {
                list.Add(name);
            }
        }
        return list.Count > 0 ? list : throw new CliException("--models must name at least one model");
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
