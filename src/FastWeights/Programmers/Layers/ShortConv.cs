using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Layers;

/// <summary>A short causal depthwise convolution module: <c>weight</c> [C, K] (uniform ±1/√K, as PyTorch's Conv1d) and <c>bias</c> [C] (zeros).</summary>
public sealed class ShortConv : Module
{
    /// <summary>Creates the module for <paramref name="channels"/> channels and a kernel of <paramref name="kernel"/> taps.</summary>
    public ShortConv(Rng rng, int channels, int kernel)
    {
        float bound = 1f / MathF.Sqrt(kernel);
        Weight = RegisterParameter("weight", Tensor.RandomUniform(rng, -bound, bound, channels, kernel));
        Bias = RegisterParameter("bias", Tensor.Zeros(channels));
    }

    /// <summary>The filters, [C, K].</summary>
    public Tensor Weight { get; }

    /// <summary>The biases, [C].</summary>
    public Tensor Bias { get; }

    /// <summary>Convolves x [B, T, C], reading the K − 1 earlier inputs from <paramref name="history"/> (null: zeros).</summary>
    public Tensor Forward(Tensor x, Tensor? history) => CausalDepthwiseConvOp.Forward(x, Weight, Bias, history);
}
