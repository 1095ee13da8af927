using System.CommandLine;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights data export</c>: writes the splits of a task (assoc, or an mqar run's) as text files.</summary>
internal static class DataCommand
{
    public static Command Create(TextWriter stdout)
    {
        var d = new TrainingConfig();
        var run = new Option<string?>("--run", "-r") { Description = "Export the exact splits of this run (otherwise use --pairs and --seed)" };
        var pairs = new Option<int>("--pairs", "-K") { Description = "Key-value pairs per sequence K", DefaultValueFactory = _ => d.Pairs };
        var seed = new Option<ulong>("--seed") { Description = "Seed (as given to 'train')", DefaultValueFactory = _ => d.Seed };
        var output = new Option<string>("--out", "-o") { Description = "Directory for train.txt, validation.txt and test.txt", Required = true };
        var export = new Command("export", "Write the train/validation/test splits as text: one 'sequence<TAB>answer' per line (assoc), or one sequence of token ids per line (an mqar run).") { run, pairs, seed, output };
        export.SetAction(p =>
        {
            var config = p.GetValue(run) is { } r ? RunDirectory.ReadConfig(r) : new TrainingConfig { Pairs = p.GetValue(pairs), Seed = p.GetValue(seed) };
            config.Validate();
            string dir = p.GetValue(output)!;
            var task = TaskCatalog.Create(config);
            var splits = task.Generate(Trainer.DataSeed(config), config.TrainSize, config.ValidationSize, config.TestSize);
            // assoc: one 'sequence<TAB>answer' per line; mqar: one sequence of token ids per line (its targets follow from the ids).
            string items = task.Targets == TargetLayout.OnePerSequence ? "examples" : "sequences";
            WriteSplits(stdout, dir, items, [splits.Train, splits.Validation, splits.Test], task.WriteTextFile, d => d.Count);
            return ExitCodes.Ok;
        });
        return new Command("data", "Task data.") { export };
    }

    /// <summary>Writes train.txt, validation.txt and test.txt into <paramref name="dir"/> and says how many items each holds.</summary>
    private static void WriteSplits<TSplit>(TextWriter stdout, string dir, string items, TSplit[] trainValidationTest, Action<TSplit, string> write, Func<TSplit, int> count)
    {
        Directory.CreateDirectory(dir);
        string[] names = ["train.txt", "validation.txt", "test.txt"];
        for (int i = 0; i < names.Length; i++)
        {
            write(trainValidationTest[i], Path.Combine(dir, names[i]));
        }
        stdout.WriteLine($"wrote {string.Join(" + ", trainValidationTest.Select(count))} {items} to {dir}");
    }
}
