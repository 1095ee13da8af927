using System.Globalization;
using FastWeights.Training;
using Spectre.Console;

namespace FastWeights.Cli;

/// <summary>
/// Shows training progress: a live progress bar (loss, accuracy, speed) on a terminal, plain periodic lines
/// when the output is redirected or captured.
/// </summary>
internal static class TrainingConsole
{
    public static TrainingResult Run(TextWriter stdout, TextWriter stderr, bool quiet, string title, Func<ITrainingObserver, TrainingResult> body)
    {
        bool interactive = !quiet && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        TrainingResult result;
        if (interactive)
        {
            AnsiConsole.MarkupLine(Markup.Escape(title));
            result = null!;
            var lines = new List<string>();
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var observer = new ProgressObserver(ctx.AddTask("training", maxValue: 1), lines);
                    result = body(observer);
                });
            foreach (var l in lines)
            {
                AnsiConsole.WriteLine(l);
            }
        }
        else
        {
            if (!quiet)
            {
                stdout.WriteLine(title);
            }
            result = body(new LineObserver(stdout, quiet));
        }
        // A run that diverged failed: its reason is an error, on stderr.
        string message = FastWeights.Serialization.PrintableText.OneLine(result.Message);
        (result.Outcome == TrainingOutcome.Diverged ? stderr : stdout).WriteLine(result.Outcome == TrainingOutcome.Diverged ? "fastweights: error: " + message : message);
        return result;
    }

    private static string Fmt(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Describe(MetricsRecord r) => r.ValidationReturn is { } valReturn
        ? Fmt($"update {r.Step}: train loss {r.TrainLoss:F4} success {r.TrainAccuracy * 100:F1}% return {r.TrainReturn:+0.000;-0.000} | val success {r.ValidationAccuracy * 100:F2}% return {valReturn:+0.000;-0.000} value error {r.ValidationLoss:F4} | lr {r.LearningRate:G3} | {r.Seconds:F0}s")
        : Fmt($"step {r.Step}: train loss {r.TrainLoss:F4} acc {r.TrainAccuracy * 100:F1}% | val loss {r.ValidationLoss:F4} acc {r.ValidationAccuracy * 100:F2}% | lr {r.LearningRate:G3} | {r.Seconds:F0}s");

    private sealed class ProgressObserver(ProgressTask task, List<string> lines) : ITrainingObserver
    {
        private double lastVal = double.NaN;

        public void OnStep(int step, int totalSteps, double loss, double accuracy, double stepsPerSecond)
        {
            task.MaxValue = totalSteps;
            task.Value = step;
            string val = double.IsNaN(lastVal) ? string.Empty : Fmt($" val {lastVal * 100:F1}%");
            task.Description = Markup.Escape(Fmt($"step {step}/{totalSteps} loss {loss:F3} acc {accuracy * 100:F0}%{val} {stepsPerSecond:F0} it/s"));
        }

        public void OnEvaluation(MetricsRecord record)
        {
            lastVal = record.ValidationAccuracy;
            lines.Add(Describe(record));
        }

        public void OnMessage(string message) => lines.Add(FastWeights.Serialization.PrintableText.OneLine(message));
    }

    private sealed class LineObserver(TextWriter writer, bool quiet) : ITrainingObserver
    {
        private double speed;

        public void OnStep(int step, int totalSteps, double loss, double accuracy, double stepsPerSecond) => speed = stepsPerSecond;

        public void OnEvaluation(MetricsRecord record)
        {
            if (!quiet)
            {
                writer.WriteLine(Describe(record) + Fmt($" | {speed:F0} steps/s"));
                writer.Flush();
            }
        }

        public void OnMessage(string message)
        {
            if (!quiet)
            {
                writer.WriteLine(FastWeights.Serialization.PrintableText.OneLine(message));
            }
        }
    }
}
