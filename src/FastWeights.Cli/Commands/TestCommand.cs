using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights test</c>: accuracy and error rate of a trained run on a split or a text file.</summary>
internal static class TestCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var split = new Option<string>("--split") { Description = "Split to evaluate: train, validation or test", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("train", "validation", "test");
        var data = new Option<string?>("--data")
        {
            Description = "Evaluate on this text file instead of a split: one 'sequence<TAB>answer' per line (assoc), or one sequence of space-separated token ids per line (mqar, as 'data export' writes)",
        };
        var json = CommonOptions.Json();
        var cmd = new Command("test", "Evaluate a trained run: accuracy and error rate (MQAR: at the query positions).") { run, split, data, json };
        cmd.SetAction(p =>
        {
            string dir = p.GetValue(run)!;
            string? file = p.GetValue(data);
            if (file is not null && !File.Exists(file))
            {
                throw new CliException($"data file '{file}' does not exist");
            }
            string name = file ?? p.GetValue(split)!;
            var config = RunDirectory.ReadConfig(dir);
            var (_, model) = RunDirectory.LoadModel(dir);
            var task = TaskCatalog.Create(config);
            var set = file is not null ? task.ReadTextFile(file) : RunDirectory.Splits(config, model)[name];
            if (set.Layout != model.Predicts)
            {
                set = set.AtEveryPosition();
            }
            var r = Evaluator.Evaluate(model, set);
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { split = name, accuracy = r.Accuracy, error_rate = r.ErrorRate, loss = r.Loss, count = r.Count }));
            }
            else
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {task.AccuracyName} {r.Accuracy * 100:F2}%, error rate {r.ErrorRate * 100:F2}%, loss {r.Loss:F4} on {r.Count} {task.ScoredName} ({Describe(config)})"));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>The model's sizes in one phrase: R for the network of Ba et al., D and the layers for a per-position model.</summary>
    public static string Describe(TrainingConfig config) => config.IsSequenceRun()
        ? string.Create(CultureInfo.InvariantCulture, $"{config.Model} on {config.Task}, D={config.DModel}, {config.Layers} layer{(config.Layers == 1 ? "" : "s")}")
        : string.Create(CultureInfo.InvariantCulture, $"{config.Model}, R={config.Hidden}");
}
