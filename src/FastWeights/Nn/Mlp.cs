using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>A multi-layer perceptron: Linear layers named <c>layers.0</c>, <c>layers.1</c>, … with ReLU between them (none after the last).</summary>
public sealed class Mlp : FeedForward
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
    public override Tensor Forward(Tensor x)
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

    /// <inheritdoc/>
    public override int Width => layers.Max(l => l.Weight.Dim(0));

    /// <inheritdoc/>
    public override void Row(ReadOnlySpan<float> x, Span<float> y, int batch, float[] hiddenA, float[] hiddenB)
    {
        // h ← relu(W_i h + b_i) between layers; the last layer writes y.
        ReadOnlySpan<float> input = x;
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = layers[i];
            int rows = layer.Weight.Dim(0), cols = layer.Weight.Dim(1);
            bool last = i == layers.Length - 1;
            var output = last ? y : ((i % 2 == 0) ? hiddenA : hiddenB).AsSpan(0, batch * rows);
            StreamingKernels.MatVec(layer.Weight.Span, layer.Bias is null ? default : layer.Bias.Span, input, output, batch, rows, cols);
            if (!last)
            {
                TensorPrimitives.Max(output, 0f, output);
            }
            input = output;
        }
    }
}
