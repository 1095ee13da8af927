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
        var data = new Option<string?>("--data") { Description = "Evaluate on this text file (one 'sequence<TAB>answer' per line) instead of a split" };
        var json = CommonOptions.Json();
        var cmd = new Command("test", "Evaluate a trained run: accuracy and error rate.") { run, split, data, json };
        cmd.SetAction(p =>
        {
            var (config, network) = RunDirectory.LoadNetwork(p.GetValue(run)!);
            SequenceDataset set;
            string name;
            if (p.GetValue(data) is { } file)
            {
                if (!File.Exists(file))
                {
                    throw new CliException($"data file '{file}' does not exist");
                }
                set = AssociativeRetrievalTask.ReadTextFile(file);
                name = file;
            }
            else
            {
                var splits = RunData.Splits(config);
                name = p.GetValue(split)!;
                set = name switch { "train" => splits.Train, "validation" => splits.Validation, _ => splits.Test };
            }
            var r = Evaluator.Evaluate(network, set);
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { split = name, accuracy = r.Accuracy, error_rate = r.ErrorRate, loss = r.Loss, count = r.Count }));
            }
            else
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: accuracy {r.Accuracy:P2}, error rate {r.ErrorRate:P2}, loss {r.Loss:F4} on {r.Count} examples ({config.Model}, R={config.Hidden})"));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
