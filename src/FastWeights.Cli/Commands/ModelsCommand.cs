using System.CommandLine;
using FastWeights.Models;

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
            foreach (var m in FastWeights.Programmers.Layers.SequenceModelCatalog.All)
            {
                stdout.WriteLine($"{m.Name,-16} {m.Description}");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
