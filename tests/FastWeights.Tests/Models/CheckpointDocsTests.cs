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
    }
}
