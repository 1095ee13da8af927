using System.CommandLine;
using FastWeights.Models;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights models</c>: every model of the catalog by family, with the tasks it trains on.</summary>
internal static class ModelsCommand
{
    public static Command Create(TextWriter stdout)
    {
        var cmd = new Command("models", "List the models 'train --model' accepts, by family, and the tasks and optimizers 'train --task' and '--optimizer' accept.");
        cmd.SetAction(_ =>
        {
            // The default settings, with a placeholder data directory for the image task (the listing reads no files).
            var tasks = TaskCatalog.SequenceTasks.Select(t => t.Create!(new TrainingConfig { DataDir = "DIR", DataFile = "FILE" })).ToArray();
            var environments = TaskCatalog.All.Where(t => t.IsReinforcement).Select(t => t.Name).ToArray();
            foreach (var family in ModelCatalog.All.GroupBy(m => m.Family))
            {
                stdout.WriteLine(family.Key switch
                {
                    ModelFamily.Recurrent => "Recurrent models (Ba et al. 2016's comparisons):",
                    ModelFamily.FastWeightProgrammer => "Fast weight programmers:",
                    ModelFamily.ConvNet => "Convolutional networks (image tasks):",
                    _ => "Attention:",
                });
                foreach (var m in family)
                {
                    string aliases = m.Aliases.Count > 0 ? $" (also: {string.Join(", ", m.Aliases)})" : string.Empty;
                    stdout.WriteLine($"  {m.Name,-16} {m.Description}{aliases}");
                    var trainsOn = tasks.Where(m.TrainsOn).Select(t => $"{t.Name} ({m.HeadOn(t)})")
                        .Concat(m.CanAct ? environments.Select(e => $"{e} (core of an actor-critic agent)") : []);
                    stdout.WriteLine($"  {string.Empty,-16} tasks: {string.Join(", ", trainsOn)}");
                }
            }
            stdout.WriteLine();
            stdout.WriteLine("Tasks:");
            foreach (var t in TaskCatalog.All)
            {
                stdout.WriteLine($"  {t.Name,-16} {t.Description}");
            }
            stdout.WriteLine();
            stdout.WriteLine("Optimizers:");
            foreach (var o in OptimizerCatalog.All)
            {
                stdout.WriteLine($"  {o.Name,-16} {o.Description}");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
