using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>
/// Short causal depthwise convolution over time, as DeltaNet and Mamba put before their mixers:
/// y[b, t, c] = bias[c] + Σ_{j&lt;K} w[c, j] · x̃[b, t − (K − 1) + j, c], where x̃ is the history (the K − 1
/// inputs before the sequence, zeros when absent) followed by x. One tape op with a hand-written backward for x, w and bias;
/// the per-token arithmetic is <see cref="CausalDepthwiseConvKernel"/>, which the streaming step shares.
/// </summary>
public static unsafe class CausalDepthwiseConvOp
{
    /// <summary>Applies the convolution.</summary>
    /// <param name="x">Inputs [B, T, C].</param>
    /// <param name="weight">Filters [C, K]; tap K − 1 multiplies the current input.</param>
    /// <param name="bias">Biases [C], or null.</param>
    /// <param name="history">The K − 1 inputs before x, [B, K − 1, C], or null for zeros (not differentiated).</param>
    /// <returns>y [B, T, C].</returns>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor? bias, Tensor? history = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 3 || weight.Rank != 2 || weight.Dim(0) != x.Dim(2))
        {
            throw new ArgumentException($"CausalDepthwiseConv needs x [B, T, C] and weight [C, K], got {ShapeUtil.Format(x.Shape)} and {ShapeUtil.Format(weight.Shape)}.");
        }
        int b = x.Dim(0), t = x.Dim(1), c = x.Dim(2), kernel = weight.Dim(1);
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != c))
        {
            throw new ArgumentException($"bias must be [{c}], got {ShapeUtil.Format(bias.Shape)}.", nameof(bias));
        }
        if (history is not null && (history.Rank != 3 || history.Dim(0) != b || history.Dim(1) != kernel - 1 || history.Dim(2) != c))
        {
            throw new ArgumentException($"history must be [{b}, {kernel - 1}, {c}], got {ShapeUtil.Format(history.Shape)}.", nameof(history));
        }
        var y = Tensor.Zeros(b, t, c);
        int hist = kernel - 1;
        fixed (float* xp = x.Span, wp = weight.Span, bp = bias is null ? default : bias.Span, hp = history is null ? default : history.Span, yp = y.Span)
        {
            float** taps = stackalloc float*[kernel];
            for (int bi = 0; bi < b; bi++)
            {
                for (int ti = 0; ti < t; ti++)
                {
                    CausalDepthwiseConvKernel.Window(xp + ((nint)bi * t * c), hp is null ? null : hp + ((nint)bi * hist * c), ti, kernel, c, taps);
                    CausalDepthwiseConvKernel.Token(wp, bp, taps, kernel, c, yp + ((nint)((bi * t) + ti) * c));
                }
            }
        }
        if (!Tape.ShouldRecord([x, weight]) && !(bias is not null && Tape.ShouldRecord(bias)))
        {
            return y;
        }
        Tape.Record(y, () =>
        {
            if (y.Grad is null)
            {
                return;
            }
            var gx = x.RequiresGrad ? x.EnsureGrad().Span : default;
            var gw = weight.RequiresGrad ? weight.EnsureGrad().Span : default;
            var gb = bias is not null && bias.RequiresGrad ? bias.EnsureGrad().Span : default;
            fixed (float* xp = x.Span, wp = weight.Span, hp = history is null ? default : history.Span, gyp = y.Grad.Span, gxp = gx, gwp = gw, gbp = gb)
            {
                float** taps = stackalloc float*[kernel];
                float** tapGrads = stackalloc float*[kernel];
                for (int bi = 0; bi < b; bi++)
                {
                    for (int ti = 0; ti < t; ti++)
                    {
                        CausalDepthwiseConvKernel.Window(xp + ((nint)bi * t * c), hp is null ? null : hp + ((nint)bi * hist * c), ti, kernel, c, taps);
                        // Only taps inside x take a gradient (the history is not differentiated).
                        CausalDepthwiseConvKernel.Window(gxp is null ? null : gxp + ((nint)bi * t * c), null, ti, kernel, c, tapGrads);
                        CausalDepthwiseConvKernel.TokenBackward(wp, taps, gyp + ((nint)((bi * t) + ti) * c), gbp, gwp, tapGrads, kernel, c);
                    }
                }
            }
        });
        return y;
    }
}
