using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Nn;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Experiments;

/// <summary>
/// The one-layer network of the capacity experiment (Schlag et al. 2021, §6.1): x_t = E_key[key_t] + E_value[value_t]
/// (value V = "query"), one single-head fast-weight layer with d_k = d_v = D and no convolution, and a linear read-out
/// to the V values. Parameters <c>key_embedding</c>, <c>value_embedding</c>, <c>layer</c>, <c>head</c>.
/// </summary>
public sealed class CapacityNetwork : Module
{
    private readonly Embedding keyEmbedding;
    private readonly Embedding valueEmbedding;
    private readonly Linear head;

    /// <summary>Creates the network for <paramref name="keys"/> keys, <paramref name="values"/> values and key size <paramref name="keyDim"/>.</summary>
    public CapacityNetwork(Rng rng, int keys, int values, int keyDim, FastWeightLayerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        keyEmbedding = RegisterModule("key_embedding", new Embedding(rng, keys, keyDim));
        valueEmbedding = RegisterModule("value_embedding", new Embedding(rng, values + 1, keyDim));
        Layer = RegisterModule("layer", new FastWeightProgrammerLayer(rng, keyDim, options with { Heads = 1, KeyDim = keyDim, ValueDim = keyDim, ShortConv = false }));
        head = RegisterModule("head", new Linear(rng, keyDim, values));
    }

    /// <summary>The fast-weight layer.</summary>
    public FastWeightProgrammerLayer Layer { get; }

    /// <summary>Value logits [B, T, V] for key ids and value ids laid out [B, T].</summary>
    public Tensor Forward(ReadOnlySpan<int> keyIds, ReadOnlySpan<int> valueIds, int batch, int length)
    {
        var x = TapeOps.Add(keyEmbedding.Forward(keyIds, batch, length), valueEmbedding.Forward(valueIds, batch, length));
        return head.Forward(Layer.Forward(x));
    }
}
