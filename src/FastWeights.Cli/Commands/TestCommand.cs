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
            EvaluationResult r;
            string unit, about;
            if (config.IsSequenceRun())
            {
                var (_, model) = RunDirectory.LoadSequenceModel(dir);
                bool mqar = RunData.IsMqar(config);
                PositionalDataset set;
                if (file is not null)
                {
                    set = mqar ? MultiQueryAssociativeRecallText.ReadFile(file, config.Vocab) : PositionalDataset.FromLastToken(AssociativeRetrievalTask.ReadTextFile(file));
                }
                else
                {
                    set = Pick(RunData.SequenceSplits(config), name);
                }
                r = SequenceEvaluator.Evaluate(model, set);
                unit = mqar ? "queries" : "examples";
                about = string.Create(CultureInfo.InvariantCulture, $"{config.Model} on {config.Task}, D={config.DModel}, {config.Layers} layer{(config.Layers == 1 ? "" : "s")}");
            }
            else
            {
                var (_, network) = RunDirectory.LoadNetwork(dir);
                SequenceDataset set;
                if (file is not null)
                {
                    set = AssociativeRetrievalTask.ReadTextFile(file);
                }
                else
                {
                    var splits = RunData.Splits(config);
                    set = name switch { "train" => splits.Train, "validation" => splits.Validation, _ => splits.Test };
                }
                r = Evaluator.Evaluate(network, set);
                unit = "examples";
                about = string.Create(CultureInfo.InvariantCulture, $"{config.Model}, R={config.Hidden}");
            }
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { split = name, accuracy = r.Accuracy, error_rate = r.ErrorRate, loss = r.Loss, count = r.Count }));
            }
            else
            {
                string what = unit == "queries" ? "query accuracy" : "accuracy";
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {what} {r.Accuracy * 100:F2}%, error rate {r.ErrorRate * 100:F2}%, loss {r.Loss:F4} on {r.Count} {unit} ({about})"));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static PositionalDataset Pick(PositionalSplits splits, string name) =>
        name switch { "train" => splits.Train, "validation" => splits.Validation, _ => splits.Test };
}
