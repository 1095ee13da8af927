using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>Layer normalisation over the last axis with learned <c>weight</c> (gain, init 1) and <c>bias</c> (init 0).</summary>
public sealed class LayerNorm : NormModule
{
    /// <summary>Creates the layer for rows of <paramref name="features"/> values.</summary>
    public LayerNorm(int features, float eps = 1e-5f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Full(1f, features));
        Bias = RegisterParameter("bias", Tensor.Zeros(features));
    }

    /// <summary>The gain, [features].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [features].</summary>
    public Tensor Bias { get; }

    /// <summary>The ε added to the variance.</summary>
    public override float Eps { get; }

    /// <summary>Normalises each row of the last axis.</summary>
    public override Tensor Forward(Tensor x) => Ops.LayerNorm(x, Weight, Bias, Eps);

    /// <inheritdoc/>
    public override void Row(ReadOnlySpan<float> x, Span<float> y) => LayerNormKernel.NormalizeAffine(x, Weight.Span, Bias.Span, Eps, y);
}
