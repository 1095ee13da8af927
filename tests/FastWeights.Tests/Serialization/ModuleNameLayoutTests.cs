using FastWeights.Models;
using FastWeights.Serialization;
using FastWeights.Tensors;

namespace FastWeights.Tests.Serialization;

/// <summary>Lists of modules are named as PyTorch's nn.ModuleList names them (<c>blocks.0.</c>); files of the old layout (<c>blocks0.</c>) still load.</summary>
public sealed class ModuleNameLayoutTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("fw-names-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private static SequenceModel DeltaNet(ulong seed) =>
        ModelCatalog.Find("deltanet").CreateSequenceModel(new Rng(seed), 11, 11, new SequenceModelOptions { ModelDim = 8, Layers = 2, Heads = 2 });

    [Theory]
    [InlineData("blocks.0.mlp.layers.1.weight", "blocks0.mlp.layers1.weight")]
    [InlineData("adam.m.blocks.12.mixer.q_proj.weight", "adam.m.blocks12.mixer.q_proj.weight")]
    [InlineData("carried_state.blocks.1.fast_weights", "carried_state.blocks1.fast_weights")]
    [InlineData("embedding.weight", "embedding.weight")]
    [InlineData("final_norm.bias", "final_norm.bias")]
    public void TheOldNameDropsTheDotBeforeTheIndex(string name, string legacy) => Assert.Equal(legacy, ModuleCheckpoint.LegacyName(name));

    [Fact]
    public void BlocksAndMlpLayersAreNumberedAfterADot()
    {
        var names = DeltaNet(1).NamedParameters().Select(p => p.Key).ToList();
        Assert.Contains("blocks.0.mixer.q_proj.weight", names);
        Assert.Contains("blocks.1.mlp.layers.0.weight", names);
        Assert.DoesNotContain(names, n => n.StartsWith("blocks0", StringComparison.Ordinal) || n.Contains("layers0", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileOfTheOldLayoutLoads()
    {
        var saved = DeltaNet(1);
        string path = Path.Combine(root, "old.safetensors");
        SafeTensorsFile.Save(path, saved.NamedParameters().Select(p => KeyValuePair.Create(ModuleCheckpoint.LegacyName(p.Key), p.Value)));
        Assert.Contains(SafeTensorsFile.ReadHeader(path).Tensors, t => t.Name == "blocks1.mlp.layers0.weight");
        var loaded = DeltaNet(2);
        Assert.NotEqual(saved.NamedParameters()[3].Value.ToArray(), loaded.NamedParameters()[3].Value.ToArray());
        ModuleCheckpoint.Load(loaded, path);
        Assert.Equal(saved.NamedParameters().Select(p => p.Value.ToArray()), loaded.NamedParameters().Select(p => p.Value.ToArray()));
    }
}
