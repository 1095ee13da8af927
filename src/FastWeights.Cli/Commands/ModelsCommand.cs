using System.CommandLine;
using FastWeights.Models;
using FastWeights.Tasks;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights models</c>: lists the model names.</summary>
internal static class ModelsCommand
{
    public static Command Create(TextWriter stdout)
    {
        var cmd = new Command("models", "List the models 'train --model' accepts.");
        cmd.SetAction(_ =>
        {
            foreach (var m in ModelCatalog.All)
            {
                string aliases = m.Aliases.Count > 0 ? $" (also: {string.Join(", ", m.Aliases)})" : string.Empty;
                stdout.WriteLine($"{m.Name,-16} {m.Description}{aliases}");
            }
            stdout.WriteLine();
            stdout.WriteLine("Every model trains on every task (--task): " + string.Join("; ", TaskCatalog.All.Select(t => $"{t.Name}, {t.Description}")) + ".");
            stdout.WriteLine("A recurrent model on a one-answer task is the network of Ba et al. §4.1; elsewhere every model predicts at each position through a per-position head.");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
