using System.CommandLine;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights data export</c>: writes the splits of the associative retrieval task as text files.</summary>
internal static class DataCommand
{
    public static Command Create(TextWriter stdout)
    {
        var d = new TrainingConfig();
        var run = new Option<string?>("--run", "-r") { Description = "Export the exact splits of this run (otherwise use --pairs and --seed)" };
        var pairs = new Option<int>("--pairs", "-K") { Description = "Key-value pairs per sequence K", DefaultValueFactory = _ => d.Pairs };
        var seed = new Option<ulong>("--seed") { Description = "Seed (as given to 'train')", DefaultValueFactory = _ => d.Seed };
        var output = new Option<string>("--out", "-o") { Description = "Directory for train.txt, validation.txt and test.txt", Required = true };
        var export = new Command("export", "Write the train/validation/test splits as text, one 'sequence<TAB>answer' per line.") { run, pairs, seed, output };
        export.SetAction(p =>
        {
            var config = p.GetValue(run) is { } r ? RunDirectory.ReadConfig(r) : new TrainingConfig { Pairs = p.GetValue(pairs), Seed = p.GetValue(seed) };
            config.Validate();
            if (!string.Equals(config.Task, "assoc", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"data export writes the assoc task only; this run's task is {config.Task}");
            }
            var splits = RunData.Splits(config);
            string dir = p.GetValue(output)!;
            Directory.CreateDirectory(dir);
            AssociativeRetrievalTask.WriteTextFile(splits.Train, Path.Combine(dir, "train.txt"));
            AssociativeRetrievalTask.WriteTextFile(splits.Validation, Path.Combine(dir, "validation.txt"));
            AssociativeRetrievalTask.WriteTextFile(splits.Test, Path.Combine(dir, "test.txt"));
            stdout.WriteLine($"wrote {splits.Train.Count} + {splits.Validation.Count} + {splits.Test.Count} examples to {dir}");
            return ExitCodes.Ok;
        });
        return new Command("data", "Task data.") { export };
    }
}
