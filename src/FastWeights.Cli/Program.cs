using System.CommandLine;
using FastWeights.Cli.Commands;
using FastWeights.Kernels;
using FastWeights.Serialization;

namespace FastWeights.Cli;

/// <summary>The <c>fastweights</c> command-line tool.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the tool with the given arguments and writers (used by tests); returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRoot(stdout, stderr);
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            string cmd = CommandPath(parse.CommandResult);
            // An unknown word says more than the "required command" error it also causes.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            string message = error.Message.ReplaceLineEndings("\n").Replace("?\n", "? ", StringComparison.Ordinal).Replace("\n", ", ", StringComparison.Ordinal);
            stderr.WriteLine($"fastweights: error: {PrintableText.OneLine(message)} (see '{cmd} --help')");
            return ExitCodes.BadInput;
        }
        int savedThreads = KernelThreads.MaxThreads;
        if (parse.GetValue(ThreadsOption) is { } threads)
        {
            if (threads < 1)
            {
                stderr.WriteLine($"fastweights: error: --threads must be at least 1, not {threads}");
                return ExitCodes.BadInput;
            }
            KernelThreads.MaxThreads = threads;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (ExitCodes.IsMachineIoFailure(e))
        {
            stderr.WriteLine($"fastweights: I/O failure: {PrintableText.OneLine(e.Message)} (files written before are intact; free space or fix the disk and run the command again)");
            return ExitCodes.IoFailure;
        }
        catch (Exception e) when (IsUserError(e))
        {
            // Messages may quote file contents and arguments: one line, control characters escaped.
            stderr.WriteLine($"fastweights: error: {PrintableText.OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
        catch (OutOfMemoryException)
        {
            // What the memory estimate did not foresee (or --max-memory-gb overrode): one line, not the runtime's dump.
            // A run that had not started has left no config.json, so the same command can run again with smaller sizes.
            stderr.WriteLine("fastweights: error: out of memory; lower the sizes (--batch, --train-size, --hidden, --d-model, …) or free memory");
            return ExitCodes.OutOfMemory;
        }
        finally
        {
            KernelThreads.MaxThreads = savedThreads;
        }
    }

    // The full name of the command a parse stopped in, for example "fastweights data export".
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    private static bool IsUserError(Exception e) => e is CliException or ArgumentException or FormatException
        or FileNotFoundException or DirectoryNotFoundException or CheckpointFormatException or CheckpointMismatchException
        or IOException or UnauthorizedAccessException;

    // Threads of the kernels, for every command. Not a run setting: results are bit-identical for any count (docs/reproducibility.md).
    private static readonly Option<int?> ThreadsOption = new("--threads")
    {
        Description = "Threads the kernels may use (default: every core); results are the same bit for bit whatever the count",
        Recursive = true,
    };

    private static Command BuildRoot(TextWriter stdout, TextWriter stderr)
    {
        // A named root (not RootCommand, which takes the assembly's name) so help reads "fastweights train …".
        var root = new Command("fastweights", "FastWeights: train, evaluate, inspect and run fast-weight sequence models (Ba et al. 2016 fast-weights RNN and its baselines).")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
            ThreadsOption,
        };
        root.Add(TrainCommand.Create(stdout, stderr));
        root.Add(TestCommand.Create(stdout));
        root.Add(PredictCommand.Create(stdout));
        root.Add(PlotCommand.Create(stdout));
        root.Add(InspectCommand.Create(stdout));
        root.Add(PlayCommand.Create(stdout));
        root.Add(GenerateCommand.Create(stdout));
        root.Add(DataCommand.Create(stdout));
        root.Add(ModelsCommand.Create(stdout));
        root.Add(ReproduceCommand.Create(stdout));
        root.Add(CapacityCommand.Create(stdout));
        root.Add(ImportCommand.Create(stdout));
        return root;
    }
}
