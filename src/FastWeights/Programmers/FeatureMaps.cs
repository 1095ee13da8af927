using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Programmers;

/// <summary>
/// Position-wise feature maps φ and normalisations for the queries and keys of fast-weight programmers, as
/// differentiable tape ops over the last axis of a tensor of any rank.
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
        FeatureMap.Relu => FastWeights.Autodiff.Ops.Relu(x),
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
    public static Tensor EluPlusOne(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.ZerosLike(x);
        var xs = x.Span;
        var ys = y.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            ys[i] = xs[i] > 0f ? xs[i] + 1f : MathF.Exp(xs[i]);
        }
        if (Tape.ShouldRecord(x))
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
                for (int i = 0; i < gx.Length; i++)
                {
                    gx[i] += gs[i] * (xv[i] > 0f ? 1f : yv[i]);
                }
            });
        }
        return y;
    }

    /// <summary>
    /// DPFP-ν (Schlag, Irie, Schmidhuber 2021, eq. 23): with r = [relu(x), relu(−x)] ∈ ℝ^{2d},
    /// φ(x)_{(j−1)·2d + i} = r_i · r_{(i−j) mod 2d} for j = 1..ν, i = 0..2d−1 (the product of r with r rolled by j).
    /// </summary>
    public static Tensor Dpfp(Tensor x, int nu = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0)
        {
            throw new ArgumentException("DPFP needs at least one axis.", nameof(x));
        }
        int d = x.Dim(-1);
        int d2 = 2 * d;
        if (nu < 1 || nu >= d2)
        {
            throw new ArgumentOutOfRangeException(nameof(nu), $"DPFP needs 1 ≤ ν < 2d = {d2}, got {nu}.");
        }
        var shape = x.ShapeArray();
        shape[^1] = d2 * nu;
        var y = Tensor.Zeros(shape);
        int rows = d == 0 ? 0 : x.Length / d;
        var r = new float[d2];
        var xs = x.Span;
        var ys = y.Span;
        for (int row = 0; row < rows; row++)
        {
            FillRectified(xs.Slice(row * d, d), r);
            var yr = ys.Slice(row * d2 * nu, d2 * nu);
            for (int j = 1; j <= nu; j++)
            {
                for (int i = 0; i < d2; i++)
                {
                    yr[((j - 1) * d2) + i] = r[i] * r[(i - j + d2) % d2];
                }
            }
        }
        if (Tape.ShouldRecord(x))
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
                var rr = new float[d2];
                var dr = new float[d2];
                for (int row = 0; row < rows; row++)
                {
                    var xr = xv.Slice(row * d, d);
                    FillRectified(xr, rr);
                    Array.Clear(dr);
                    var gr = gs.Slice(row * d2 * nu, d2 * nu);
                    for (int j = 1; j <= nu; j++)
                    {
                        for (int i = 0; i < d2; i++)
                        {
                            float go = gr[((j - 1) * d2) + i];
                            int m = (i - j + d2) % d2;
                            dr[i] += go * rr[m];
                            dr[m] += go * rr[i];
                        }
                    }
                    // r_c = relu(x_c), r_{d+c} = relu(−x_c)
                    var gxr = gx.Slice(row * d, d);
                    for (int c = 0; c < d; c++)
                    {
                        if (xr[c] > 0f)
                        {
                            gxr[c] += dr[c];
                        }
                        else if (xr[c] < 0f)
                        {
                            gxr[c] -= dr[d + c];
                        }
                    }
                }
            });
        }
        return y;
    }

    /// <summary>y = x / (Σ_i x_i + ε) over the last axis; ∂x_j = (∂y_j − Σ_i ∂y_i y_i) / (Σ x + ε).</summary>
    public static Tensor SumNormalize(Tensor x) => NormalizeRows(x, l2: false);

    /// <summary>y = x / √(Σ_i x_i² + ε) over the last axis; ∂x_j = (∂y_j − y_j Σ_i ∂y_i y_i) / √(Σ x² + ε).</summary>
    public static Tensor L2Normalize(Tensor x) => NormalizeRows(x, l2: true);

    private static Tensor NormalizeRows(Tensor x, bool l2)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0)
        {
            throw new ArgumentException("Normalisation needs at least one axis.", nameof(x));
        }
        int d = x.Dim(-1);
        int rows = d == 0 ? 0 : x.Length / d;
        var y = Tensor.ZerosLike(x);
        var denominators = new float[rows];
        var xs = x.Span;
        var ys = y.Span;
        for (int row = 0; row < rows; row++)
        {
            var xr = xs.Slice(row * d, d);
            float n = l2 ? MathF.Sqrt(TensorPrimitives.Dot(xr, xr) + NormalizationEpsilon) : TensorPrimitives.Sum(xr) + NormalizationEpsilon;
            denominators[row] = n;
            TensorPrimitives.Divide(xr, n, ys.Slice(row * d, d));
        }
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(y, () =>
            {
                if (y.Grad is not { } g)
                {
                    return;
                }
                var gx = x.EnsureGrad().Span;
                var gs = g.Span;
                var yv = y.Span;
                for (int row = 0; row < rows; row++)
                {
                    var gr = gs.Slice(row * d, d);
                    var yr = yv.Slice(row * d, d);
                    var gxr = gx.Slice(row * d, d);
                    float gy = TensorPrimitives.Dot(gr, yr);
                    float inv = 1f / denominators[row];
                    for (int j = 0; j < d; j++)
                    {
                        gxr[j] += (gr[j] - (l2 ? yr[j] * gy : gy)) * inv;
                    }
                }
            });
        }
        return y;
    }

    private static void FillRectified(ReadOnlySpan<float> x, Span<float> r)
    {
        int d = x.Length;
        for (int c = 0; c < d; c++)
        {
            r[c] = Math.Max(x[c], 0f);
            r[d + c] = Math.Max(-x[c], 0f);
        }
    }
}
