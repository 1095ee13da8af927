using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>
/// Position-wise feature maps φ and normalisations for the queries and keys of fast-weight programmers, as
/// differentiable tape ops over the last axis of a tensor of any rank. Each is one row operator
/// (<see cref="IFeatureRowOperator"/>) run by one generic tape op, and by <see cref="Row"/> in the streaming step.
/// </summary>
public static class FeatureMaps
{
    /// <summary>The ε inside the sum and L2 normalisations.</summary>
    public const float NormalizationEpsilon = 1e-6f;

    /// <summary>Applies <paramref name="map"/> (with <paramref name="nu"/> for DPFP).</summary>
    public static Tensor Apply(FeatureMap map, Tensor x, int nu = 1) => map switch
    {
        FeatureMap.Identity => x,
        FeatureMap.EluPlusOne => EluPlusOne(x),
        FeatureMap.Relu => Rows(x, new ReluRow()),
        FeatureMap.Dpfp => Dpfp(x, nu),
        _ => throw new ArgumentOutOfRangeException(nameof(map)),
    };

    /// <summary>Size of the last axis after <paramref name="map"/> on inputs of size <paramref name="dim"/>.</summary>
    public static int OutputDim(FeatureMap map, int dim, int nu = 1) => map == FeatureMap.Dpfp ? 2 * dim * nu : dim;

    /// <summary>Applies <paramref name="normalization"/> over the last axis.</summary>
    public static Tensor Normalize(KeyNormalization normalization, Tensor x) => normalization switch
    {
        KeyNormalization.None => x,
        KeyNormalization.Sum => SumNormalize(x),
        KeyNormalization.L2 => L2Normalize(x),
        _ => throw new ArgumentOutOfRangeException(nameof(normalization)),
    };

    /// <summary>φ(x) = elu(x) + 1 = x + 1 for x &gt; 0, eˣ otherwise; φ'(x) = 1 or eˣ.</summary>
    public static Tensor EluPlusOne(Tensor x) => Rows(x, new EluPlusOneRow());

    /// <summary>
    /// DPFP-ν (Schlag, Irie, Schmidhuber 2021, eq. 23): with r = [relu(x), relu(−x)] ∈ ℝ^{2d},
    /// φ(x)_{(j−1)·2d + i} = r_i · r_{(i−j) mod 2d} for j = 1..ν, i = 0..2d−1 (the product of r with r rolled by j).
    /// </summary>
    public static Tensor Dpfp(Tensor x, int nu = 1)
    {
        int d = LastAxis(x, "DPFP needs at least one axis.");
        int d2 = 2 * d;
        if (nu < 1 || nu >= d2)
        {
            throw new ArgumentOutOfRangeException(nameof(nu), $"DPFP needs 1 ≤ ν < 2d = {d2}, got {nu}.");
        }
        return Rows(x, new DpfpRow(nu, new float[d2], new float[d2]));
    }

    /// <summary>y = x / (Σ_i x_i + ε) over the last axis; ∂x_j = (∂y_j − Σ_i ∂y_i y_i) / (Σ x + ε).</summary>
    public static Tensor SumNormalize(Tensor x) => Normalized<SumNorm>(x);

    /// <summary>y = x / √(Σ_i x_i² + ε) over the last axis; ∂x_j = (∂y_j − y_j Σ_i ∂y_i y_i) / √(Σ x² + ε).</summary>
    public static Tensor L2Normalize(Tensor x) => Normalized<L2Norm>(x);

    /// <summary>
    /// dst = norm(φ(src)) for one row without the tape (the streaming step), through the same row operators as the tape
    /// ops; <paramref name="rectified"/> (≥ 2·d floats) is DPFP's scratch.
    /// </summary>
    internal static void Row(FeatureMap map, KeyNormalization normalization, int nu, ReadOnlySpan<float> src, Span<float> dst, float[] rectified)
    {
        switch (map)
        {
            case FeatureMap.Identity:
                src.CopyTo(dst);
                break;
            case FeatureMap.Relu:
                new ReluRow().Forward(src, dst);
                break;
            case FeatureMap.EluPlusOne:
                new EluPlusOneRow().Forward(src, dst);
                break;
            default:
                new DpfpRow(nu, rectified, null).Forward(src, dst);
                break;
        }
        switch (normalization)
        {
            case KeyNormalization.Sum:
                new NormalizeRow<SumNorm>().Forward(dst, dst);
                break;
            case KeyNormalization.L2:
                new NormalizeRow<L2Norm>().Forward(dst, dst);
                break;
            default:
                break;
        }
    }

    private static Tensor Normalized<TNorm>(Tensor x)
        where TNorm : struct, IRowNorm
    {
        LastAxis(x, "Normalisation needs at least one axis.");
        return Rows(x, new NormalizeRow<TNorm>());
    }

    private static int LastAxis(Tensor x, string rankZero)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0)
        {
            throw new ArgumentException(rankZero, nameof(x));
        }
        return x.Dim(-1);
    }

    /// <summary>The tape op of a row operator over the last axis (an elementwise one takes the whole tensor as one row).</summary>
    private static Tensor Rows<TOp>(Tensor x, TOp op)
        where TOp : struct, IFeatureRowOperator
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = op.Elementwise || x.Rank == 0 ? x.Length : x.Dim(-1);
        int dOut = op.OutputDim(d);
        var shape = x.ShapeArray();
        if (!op.Elementwise && shape.Length > 0)
        {
            shape[^1] = dOut;
        }
        var y = Tensor.Zeros(shape);
        int rows = d == 0 ? 0 : x.Length / d;
        bool record = Tape.ShouldRecord(x);
        var saved = record ? new float[rows] : [];
        var xs = x.Span;
        var ys = y.Span;
        for (int row = 0; row < rows; row++)
        {
            float s = op.Forward(xs.Slice(row * d, d), ys.Slice(row * dOut, dOut));
            if (record)
            {
                saved[row] = s;
            }
        }
        if (record)
        {
            Tape.Record(y, () =>
            {
                if (y.Grad is not { } g)
                {
                    return;
                }
                var gx = x.EnsureGrad().Span;
                var gs = g.Span;
                var xv = x.Span;
                var yv = y.Span;
                for (int row = 0; row < rows; row++)
                {
                    op.Backward(xv.Slice(row * d, d), yv.Slice(row * dOut, dOut), gs.Slice(row * dOut, dOut), saved[row], gx.Slice(row * d, d));
                }
            });
        }
        return y;
    }
}
