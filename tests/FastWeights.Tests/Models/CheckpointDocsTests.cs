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
