using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>Token embedding table <c>weight</c> [vocabulary, dimension], initialised from N(0, 1) as PyTorch does.</summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table with values drawn from <paramref name="rng"/>.</summary>
    public Embedding(Rng rng, int vocabulary, int dimension, float std = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabulary);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Weight = RegisterParameter("weight", Tensor.RandomNormal(rng, std, vocabulary, dimension));
    }

    /// <summary>The table, [vocabulary, dimension].</summary>
    public Tensor Weight { get; }

    /// <summary>Looks up <paramref name="ids"/> laid out as <paramref name="idsShape"/>; result is idsShape + [dimension].</summary>
    public Tensor Forward(ReadOnlySpan<int> ids, params int[] idsShape) => Ops.Embedding(Weight, ids, idsShape);
}
