using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>A normalisation over the last axis (<see cref="LayerNorm"/>, <see cref="RmsNorm"/>), on the tape or one row at a time.</summary>
public abstract class NormModule : Module
{
    /// <summary>The ε of the denominator.</summary>
    public abstract float Eps { get; }

    /// <summary>Normalises each row of the last axis of <paramref name="x"/> (recorded on the tape).</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>The same for one row without the tape (streaming); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public abstract void Row(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>A layer norm (gain and bias) or an RMS norm (gain only) of <paramref name="features"/> values.</summary>
    public static NormModule Create(NormKind kind, int features, float eps) => kind switch
    {
        NormKind.LayerNorm => new LayerNorm(features, eps),
        NormKind.RmsNorm => new RmsNorm(features, eps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>Which normalisation a layer uses.</summary>
public enum NormKind
{
    /// <summary>Layer norm: (x − μ)/√(σ² + ε) · gain + bias (<c>weight</c>, <c>bias</c>).</summary>
    LayerNorm,

    /// <summary>RMS norm: x/√(mean(x²) + ε) · gain (<c>weight</c> only), as Llama and fla use.</summary>
    RmsNorm,
}
