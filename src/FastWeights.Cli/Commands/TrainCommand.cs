using System.CommandLine;
using System.Globalization;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights train</c>: trains a model; with no options, fw-rnn at R=50 on the default task into runs/.</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var settings = new TrainingOptions();
        var output = new Option<string?>("--out", "-o") { Description = "Run directory (default: runs/<model>-r<R>-s<seed>, numbered if taken)" }.NonEmptyPath();
        var resume = new Option<string?>("--resume") { Description = "Continue the interrupted run in this directory with the settings of its config.json; no training option (and no --out) may be given with it: a run keeps its settings, so train a new run to change them" }.NonEmptyPath();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the final result" };

        var cmd = new Command("train", "Train a model; writes config.json, metrics.jsonl and model.safetensors into the run directory.");
        foreach (var option in settings.All)
        {
            cmd.Add(option);
        }
        cmd.Add(output);
        cmd.Add(resume);
        cmd.Add(quiet);
        cmd.SetAction(p =>
        {
            using var stop = new StopSignals();
            bool q = p.GetValue(quiet);
            TrainingResult result;
            if (p.GetValue(resume) is { } resumeDir)
            {
                // Refused rather than ignored or applied: a resumed run is bit-identical to the uninterrupted one only
                // with the settings it started with.
                var given = settings.Given(p);
                if (p.GetResult(output) is { Implicit: false })
                {
                    given = [.. given, output.Name];
                }
                if (given.Count > 0)
                {
                    throw new CliException($"--resume continues {resumeDir} with the settings of its config.json and takes no other training option; given: {string.Join(", ", given)} (train a new run to change them)");
                }
                RunDirectory.ReadConfig(resumeDir);
                result = TrainingConsole.Run(stdout, stderr, q, $"resuming {resumeDir}", o => Trainer.Resume(resumeDir, o, stop.Token));
            }
            else
            {
                var config = settings.Read(p);
                config.Validate();
                // Refused before the title is printed: a run too large for the machine prints only its error.
                MemoryEstimate.ForTraining(config).EnsureFits(config);
                string dir = p.GetValue(output) ?? DefaultRunDirectory(config);
                string title = TaskCatalog.IsReinforcement(config)
                    ? string.Create(CultureInfo.InvariantCulture, $"training a {config.Model} (R={config.Hidden}) agent on {config.Task} for {config.Steps} updates of {config.Batch} episodes into {dir}")
                    : config.IsSequenceRun()
                    ? string.Create(CultureInfo.InvariantCulture, $"training {config.Model} (D={config.DModel}, {config.Layers} layers, {config.Heads} heads) on {config.Task} for {config.Steps} steps into {dir}")
                    : string.Create(CultureInfo.InvariantCulture, $"training {config.Model} (R={config.Hidden}) on {config.Task} for {config.Steps} steps into {dir}");
                result = TrainingConsole.Run(stdout, stderr, q, title, o => Trainer.Train(config, dir, o, stop.Token));
            }
            return result.Outcome switch
            {
                TrainingOutcome.Completed => ExitCodes.Ok,
                TrainingOutcome.Interrupted => stop.InterruptedExitCode,
                _ => ExitCodes.Failed,
            };
        });
        return cmd;
    }

    private static string DefaultRunDirectory(TrainingConfig c)
    {
        string baseName = Path.Combine("runs", TaskCatalog.IsReinforcement(c)
            ? string.Create(CultureInfo.InvariantCulture, $"{c.Model}-{c.Task}-r{c.Hidden}-s{c.Seed}")
            : c.IsSequenceRun()
            ? string.Create(CultureInfo.InvariantCulture, $"{c.Model}-{c.Task}-d{c.DModel}-s{c.Seed}")
            : string.Create(CultureInfo.InvariantCulture, $"{c.Model}-r{c.Hidden}-s{c.Seed}"));
        string dir = baseName;
        for (int i = 2; Directory.Exists(dir); i++)
        {
            dir = baseName + "-" + i.ToString(CultureInfo.InvariantCulture);
        }
        return dir;
    }
}
