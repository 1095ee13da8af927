using FastWeights.Models;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Tests.Models;

public class CheckpointDocsTests
{
    [Fact]
    public void EveryTensorNameOfEveryModelIsDocumented()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "FastWeights.slnx")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        }
        string doc = File.ReadAllText(Path.Combine(dir, "docs", "checkpoints.md"));
        foreach (var m in ModelCatalog.RecurrentModels)
        {
            var net = RunDirectory.CreateNetwork(new TrainingConfig { Model = m.Name, Hidden = 50 }, new Rng(1));
            foreach (var p in net.NamedParameters())
            {
                Assert.True(doc.Contains($"`{p.Key}`", StringComparison.Ordinal), $"docs/checkpoints.md does not mention {p.Key} of {m.Name}");
            }
        }
        // Every sequence model's tensors, by their names with the block index and family-specific parts written as the
        // docs write them (blocks.{i}., and the pairs the docs list on one row).
        foreach (var (m, conventions) in ModelCatalog.All.Where(m => !m.ImageOnly).SelectMany(m => new[] { (m, LayerConventions.FastWeights), (m, LayerConventions.Fla) }))
        {
            var model = m.CreateSequenceModel(new Rng(1), 11, 11, new SequenceModelOptions { ModelDim = 8, Layers = 2, Heads = 2, MaxPositions = m.NeedsPositions ? 4 : 0, RecurrentHidden = 6, Conventions = conventions });
            foreach (var p in model.NamedParameters())
            {
                string name = System.Text.RegularExpressions.Regex.Replace(p.Key, "^blocks\\.[0-9]+\\.", "blocks.{i}.");
                string leaf = name.StartsWith("blocks.{i}.mixer.", StringComparison.Ordinal) ? name["blocks.{i}.mixer.".Length..] : name;
                bool documented = doc.Contains($"`{name}`", StringComparison.Ordinal) || doc.Contains($"`{leaf}`", StringComparison.Ordinal)
                    || (leaf.StartsWith("recurrent.", StringComparison.Ordinal) && doc.Contains("`recurrent.*` is the recurrent layer", StringComparison.Ordinal));
                Assert.True(documented, $"docs/checkpoints.md does not mention {name} of {m.Name}");
            }
        }
        foreach (var m in ModelCatalog.All.Where(m => m.CanAct))
        {
            var agent = m.CreateAgent(new TrainingConfig { Model = m.Name, Hidden = 8 }, new FastWeights.Tasks.Catch.CatchTask(6, 2, 3), new Rng(1));
            foreach (var p in agent.NamedParameters().Where(p => !p.Key.StartsWith("recurrent.", StringComparison.Ordinal)))
            {
                Assert.True(doc.Contains($"`{p.Key}`", StringComparison.Ordinal), $"docs/checkpoints.md does not mention {p.Key} of a {m.Name} agent");
            }
        }
    }
}
