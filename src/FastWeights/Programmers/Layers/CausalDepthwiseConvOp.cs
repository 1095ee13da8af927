using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Layers;

/// <summary>
/// Short causal depthwise convolution over time, as DeltaNet and Mamba put before their mixers:
/// y[b, t, c] = bias[c] + Σ_{j&lt;K} w[c, j] · x̃[b, t − (K − 1) + j, c], where x̃ is the history (the K − 1
/// inputs before the sequence, zeros when absent) followed by x. One tape op with a hand-written backward for x, w and bias.
/// </summary>
public static class CausalDepthwiseConvOp
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
        var xs = x.Span;
        var ws = weight.Span;
        var ys = y.Span;
        var hs = history is null ? default : history.Span;
        for (int bi = 0; bi < b; bi++)
        {
            for (int ti = 0; ti < t; ti++)
            {
                var yrow = ys.Slice(((bi * t) + ti) * c, c);
                if (bias is not null)
                {
                    bias.Span.CopyTo(yrow);
                }
                for (int j = 0; j < kernel; j++)
                {
                    int src = ti - (kernel - 1) + j;
                    ReadOnlySpan<float> xrow;
                    if (src >= 0)
                    {
                        xrow = xs.Slice(((bi * t) + src) * c, c);
                    }
                    else if (history is not null)
                    {
                        xrow = hs.Slice(((bi * (kernel - 1)) + (kernel - 1) + src) * c, c);
                    }
                    else
                    {
                        continue;
                    }
                    for (int ci = 0; ci < c; ci++)
                    {
                        yrow[ci] += ws[(ci * kernel) + j] * xrow[ci];
                    }
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
            var gy = y.Grad.Span;
            var xv = x.Span;
            var wv = weight.Span;
            var hv = history is null ? default : history.Span;
            var gx = x.RequiresGrad ? x.EnsureGrad().Span : default;
            var gw = weight.RequiresGrad ? weight.EnsureGrad().Span : default;
            var gb = bias is not null && bias.RequiresGrad ? bias.EnsureGrad().Span : default;
            for (int bi = 0; bi < b; bi++)
            {
                for (int ti = 0; ti < t; ti++)
                {
                    var grow = gy.Slice(((bi * t) + ti) * c, c);
                    if (!gb.IsEmpty)
                    {
                        for (int ci = 0; ci < c; ci++)
                        {
                            gb[ci] += grow[ci];
                        }
                    }
                    for (int j = 0; j < kernel; j++)
                    {
                        int src = ti - (kernel - 1) + j;
                        if (src < 0 && history is null)
                        {
                            continue;
                        }
                        var xrow = src >= 0 ? xv.Slice(((bi * t) + src) * c, c) : hv.Slice(((bi * (kernel - 1)) + (kernel - 1) + src) * c, c);
                        for (int ci = 0; ci < c; ci++)
                        {
                            if (!gw.IsEmpty)
                            {
                                gw[(ci * kernel) + j] += grow[ci] * xrow[ci];
                            }
                            if (!gx.IsEmpty && src >= 0)
                            {
                                gx[(((bi * t) + src) * c) + ci] += wv[(ci * kernel) + j] * grow[ci];
                            }
                        }
                    }
                }
            }
        });
        return y;
    }
}
