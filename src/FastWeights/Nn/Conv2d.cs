using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>
/// 2-D convolution layer y = conv(x, W) + b over [B, C, H, W] inputs, <c>weight</c> [O, C, K, K] and <c>bias</c> [O]
/// (the PyTorch layout). Weights drawn from N(0, 2 / (C·K·K)) (He et al. 2015, for a ReLU after it), bias zero.
/// </summary>
public sealed class Conv2d : Module
{
    private readonly int stride;
    private readonly int padding;

    /// <summary>Creates the layer with weights drawn from <paramref name="rng"/>.</summary>
    public Conv2d(Rng rng, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        Weight = RegisterParameter("weight", Tensor.RandomNormal(rng, MathF.Sqrt(2f / (inChannels * kernel * kernel)), outChannels, inChannels, kernel, kernel));
        Bias = RegisterParameter("bias", Tensor.Zeros(outChannels));
        this.stride = stride;
        this.padding = padding;
    }

    /// <summary>The weight, [O, C, K, K].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [O].</summary>
    public Tensor Bias { get; }

    /// <summary>Applies the convolution to <paramref name="x"/> [B, C, H, W].</summary>
    public Tensor Forward(Tensor x) => Ops.Conv2d(x, Weight, Bias, stride, padding);
}
