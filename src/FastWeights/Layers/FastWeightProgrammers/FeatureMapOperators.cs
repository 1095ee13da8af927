namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>
/// One row (the last axis) of a feature map or normalisation, forward and backward, as an operator struct: the tape
/// ops of <see cref="FeatureMaps"/> and the streaming step run the same rows through these, and the JIT compiles one
/// loop per operator.
/// </summary>
internal interface IFeatureRowOperator
{
    /// <summary>Whether the operator acts on each element alone (then a whole tensor may pass as one row).</summary>
    bool Elementwise { get; }

    /// <summary>Size of an output row for input rows of <paramref name="dim"/>.</summary>
    int OutputDim(int dim);

    /// <summary>y = op(x) for one row (y may be x when the sizes agree); returns what <see cref="Backward"/> gets back as <c>saved</c>.</summary>
    float Forward(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Accumulates ∂x += (∂y/∂x)ᵀ ∂y for one row, from its input x, output y and the <c>saved</c> value of <see cref="Forward"/>.</summary>
    void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> gy, float saved, Span<float> gx);
}

/// <summary>φ(x) = max(0, x); φ'(x) = 1 where φ(x) &gt; 0.</summary>
internal readonly struct ReluRow : IFeatureRowOperator
{
    public bool Elementwise => true;

    public int OutputDim(int dim) => dim;

    public float Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Max(x, 0f, y);
        return 0f;
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> gy, float saved, Span<float> gx)
    {
        for (int i = 0; i < gx.Length; i++)
        {
            if (y[i] > 0f)
            {
                gx[i] += gy[i];
            }
        }
    }
}

/// <summary>φ(x) = elu(x) + 1 = x + 1 for x &gt; 0, eˣ otherwise; φ'(x) = 1 or eˣ.</summary>
internal readonly struct EluPlusOneRow : IFeatureRowOperator
{
    public bool Elementwise => true;

    public int OutputDim(int dim) => dim;

    public float Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] + 1f : MathF.Exp(x[i]);
        }
        return 0f;
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> gy, float saved, Span<float> gx)
    {
        for (int i = 0; i < gx.Length; i++)
        {
            gx[i] += gy[i] * (x[i] > 0f ? 1f : y[i]);
        }
    }
}

/// <summary>
/// DPFP-ν (Schlag, Irie, Schmidhuber 2021, eq. 23): with r = [relu(x), relu(−x)] ∈ ℝ^{2d},
/// φ(x)_{(j−1)·2d + i} = r_i · r_{(i−j) mod 2d} for j = 1..ν, i = 0..2d−1. <paramref name="rectified"/> (≥ 2d floats,
/// and <paramref name="rectifiedGrad"/> for the backward pass) are scratch.
/// </summary>
internal readonly struct DpfpRow(int nu, float[] rectified, float[]? rectifiedGrad) : IFeatureRowOperator
{
    private readonly float[] r = rectified;
    private readonly float[]? dr = rectifiedGrad;

    public bool Elementwise => false;

    public int OutputDim(int dim) => 2 * dim * nu;

    public float Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        int d2 = 2 * x.Length;
        var rr = r.AsSpan(0, d2);
        Rectify(x, rr);
        for (int j = 1; j <= nu; j++)
        {
            for (int i = 0; i < d2; i++)
            {
                y[((j - 1) * d2) + i] = rr[i] * rr[(i - j + d2) % d2];
            }
        }
        return 0f;
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> gy, float saved, Span<float> gx)
    {
        int d = x.Length, d2 = 2 * d;
        var rr = r.AsSpan(0, d2);
        var g = dr.AsSpan(0, d2);
        Rectify(x, rr);
        g.Clear();
        for (int j = 1; j <= nu; j++)
        {
            for (int i = 0; i < d2; i++)
            {
                float go = gy[((j - 1) * d2) + i];
                int m = (i - j + d2) % d2;
                g[i] += go * rr[m];
                g[m] += go * rr[i];
            }
        }
        // r_c = relu(x_c), r_{d+c} = relu(−x_c)
        for (int c = 0; c < d; c++)
        {
            if (x[c] > 0f)
            {
                gx[c] += g[c];
            }
            else if (x[c] < 0f)
            {
                gx[c] -= g[d + c];
            }
        }
    }

    private static void Rectify(ReadOnlySpan<float> x, Span<float> r)
    {
        int d = x.Length;
        for (int c = 0; c < d; c++)
        {
            r[c] = Math.Max(x[c], 0f);
            r[d + c] = Math.Max(-x[c], 0f);
        }
    }
}

/// <summary>The denominator n(x) of a row normalisation y = x / n(x), and its share of the backward pass.</summary>
internal interface IRowNorm
{
    /// <summary>n(x).</summary>
    static abstract float Denominator(ReadOnlySpan<float> x);

    /// <summary>The term subtracted from ∂y_j in ∂x_j = (∂y_j − term) / n, given y_j and s = Σ_i ∂y_i y_i.</summary>
    static abstract float Correction(float y, float s);
}

/// <summary>n(x) = Σ_i x_i + ε; ∂x_j = (∂y_j − Σ_i ∂y_i y_i) / n.</summary>
internal readonly struct SumNorm : IRowNorm
{
    public static float Denominator(ReadOnlySpan<float> x) => TensorPrimitives.Sum(x) + FeatureMaps.NormalizationEpsilon;

    public static float Correction(float y, float s) => s;
}

/// <summary>n(x) = √(Σ_i x_i² + ε); ∂x_j = (∂y_j − y_j Σ_i ∂y_i y_i) / n.</summary>
internal readonly struct L2Norm : IRowNorm
{
    public static float Denominator(ReadOnlySpan<float> x) => MathF.Sqrt(TensorPrimitives.Dot(x, x) + FeatureMaps.NormalizationEpsilon);

    public static float Correction(float y, float s) => y * s;
}

/// <summary>y = x / n(x) over one row (in place allowed); saves n for the backward pass.</summary>
internal readonly struct NormalizeRow<TNorm> : IFeatureRowOperator
    where TNorm : struct, IRowNorm
{
    public bool Elementwise => false;

    public int OutputDim(int dim) => dim;

    public float Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        float n = TNorm.Denominator(x);
        TensorPrimitives.Divide(x, n, y);
        return n;
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> gy, float saved, Span<float> gx)
    {
        float s = TensorPrimitives.Dot(gy, y);
        float inv = 1f / saved;
        for (int j = 0; j < gx.Length; j++)
        {
            gx[j] += (gy[j] - TNorm.Correction(y[j], s)) * inv;
        }
    }
}
