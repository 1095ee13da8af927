using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>RMS normalisation over the last axis (Zhang, Sennrich 2019), y = x/√(mean(x²) + ε) · <c>weight</c> (gain, init 1); no bias.</summary>
public sealed class RmsNorm : NormModule
{
    /// <summary>Creates the layer for rows of <paramref name="features"/> values.</summary>
    public RmsNorm(int features, float eps = 1e-6f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Full(1f, features));
    }

    /// <summary>The gain, [features].</summary>
    public Tensor Weight { get; }

    /// <summary>The ε added to the mean square.</summary>
    public override float Eps { get; }

    /// <summary>Normalises each row of the last axis.</summary>
    public override Tensor Forward(Tensor x) => Ops.RmsNorm(x, Weight, Eps);

    /// <inheritdoc/>
    public override void Row(ReadOnlySpan<float> x, Span<float> y) => Ops.RmsNormRow(x, Weight.Span, Eps, y);
}
