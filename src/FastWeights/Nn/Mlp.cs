using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>A multi-layer perceptron: Linear layers named <c>layers.0</c>, <c>layers.1</c>, … with ReLU between them (none after the last).</summary>
public sealed class Mlp : Module
{
    private readonly Linear[] layers;

    /// <summary>Creates the MLP with sizes <paramref name="sizes"/>[0] → … → sizes[^1].</summary>
    public Mlp(Rng rng, params int[] sizes)
    {
        if (sizes.Length < 2)
        {
            throw new ArgumentException("An MLP needs at least an input and an output size.");
        }
        layers = [.. RegisterModule("layers", new ModuleList<Linear>(Enumerable.Range(0, sizes.Length - 1).Select(i => new Linear(rng, sizes[i], sizes[i + 1])))).Items];
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Linear> Layers => layers;

    /// <summary>Applies the layers to the last axis of <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x)
    {
        for (int i = 0; i < layers.Length; i++)
        {
            x = layers[i].Forward(x);
            if (i < layers.Length - 1)
            {
                x = Ops.Relu(x);
            }
        }
        return x;
    }
}
