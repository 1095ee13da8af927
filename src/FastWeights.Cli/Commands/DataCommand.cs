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
            if (RunData.IsMqar(config))
            {
                // MQAR: one sequence of space-separated token ids per line; the targets follow from the ids.
                var seq = RunData.SequenceSplits(config);
                WriteSplits(stdout, dir, "sequences", [seq.Train, seq.Validation, seq.Test], MultiQueryAssociativeRecallText.WriteFile, d => d.Count);
                return ExitCodes.Ok;
            }
            var splits = RunData.Splits(config);
            WriteSplits(stdout, dir, "examples", [splits.Train, splits.Validation, splits.Test], AssociativeRetrievalTask.WriteTextFile, d => d.Count);
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
