namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>
/// The arithmetic of the short causal depthwise convolution, one token at a time, shared by the whole-sequence op
/// (<see cref="CausalDepthwiseConvOp"/>, forward and backward) and the streaming step (<see cref="StepSilu"/>). A token
/// sees K taps x̃_0 … x̃_{K−1} (oldest first; tap K − 1 is the current input), given as row pointers into the history
/// or the sequence (null: before the sequence with no history, contributing nothing):
/// <code>
/// y_c = bias_c + Σ_j w[c, j] · x̃_j[c]          (added in tap order)
/// ∂bias_c += ∂y_c;  ∂w[c, j] += ∂y_c x̃_j[c];  ∂x̃_j[c] += w[c, j] ∂y_c
/// </code>
/// </summary>
internal static unsafe class CausalDepthwiseConvKernel
{
    /// <summary>Points <paramref name="taps"/>[j] at x̃_j of token <paramref name="t"/>: row t − (K − 1) + j of <paramref name="x"/>, or of the history before it (null when absent).</summary>
    /// <param name="x">The sequence's rows [T, C].</param>
    /// <param name="history">The K − 1 rows before the sequence [K − 1, C], or null.</param>
    /// <param name="t">The token.</param>
    /// <param name="kernel">K.</param>
    /// <param name="c">C.</param>
    /// <param name="taps">K row pointers, written.</param>
    public static void Window(float* x, float* history, int t, int kernel, int c, float** taps)
    {
        for (int j = 0; j < kernel; j++)
        {
            int src = t - (kernel - 1) + j;
            taps[j] = src >= 0 ? x + ((nint)src * c) : history is null ? null : history + ((nint)(kernel - 1 + src) * c);
        }
    }

    /// <summary>y_c = bias_c + Σ_j w[c, j] · x̃_j[c] for one token (<paramref name="bias"/> null: none).</summary>
    public static void Token(float* w, float* bias, float** taps, int kernel, int c, float* y)
    {
        if (kernel == 4 && taps[0] is not null && taps[1] is not null && taps[2] is not null)
        {
            float* h0 = taps[0], h1 = taps[1], h2 = taps[2], x = taps[3];
            for (int ci = 0; ci < c; ci++)
            {
                float* wc = w + (4 * (nint)ci);
                float acc = bias is null ? 0f : bias[ci];
                acc += wc[0] * h0[ci];
                acc += wc[1] * h1[ci];
                acc += wc[2] * h2[ci];
                y[ci] = acc + (wc[3] * x[ci]);
            }
            return;
        }
        for (int ci = 0; ci < c; ci++)
        {
            float* wc = w + ((nint)ci * kernel);
            float acc = bias is null ? 0f : bias[ci];
            for (int j = 0; j < kernel; j++)
            {
                if (taps[j] is not null)
                {
                    acc += wc[j] * taps[j][ci];
                }
            }
            y[ci] = acc;
        }
    }

    /// <summary>
    /// The backward pass of <see cref="Token"/>: accumulates into ∂bias (<paramref name="gb"/>), ∂w (<paramref name="gw"/>)
    /// and the taps' gradients (<paramref name="tapGrads"/>[j], null when not wanted); null accumulators are skipped.
    /// </summary>
    public static void TokenBackward(float* w, float** taps, float* gy, float* gb, float* gw, float** tapGrads, int kernel, int c)
    {
        for (int ci = 0; ci < c; ci++)
        {
            float g = gy[ci];
            if (gb is not null)
            {
                gb[ci] += g;
            }
            for (int j = 0; j < kernel; j++)
            {
                if (taps[j] is null)
                {
                    continue;
                }
                int at = (ci * kernel) + j;
                if (gw is not null)
                {
                    gw[at] += g * taps[j][ci];
                }
                if (tapGrads[j] is not null)
                {
                    tapGrads[j][ci] += w[at] * g;
                }
            }
        }
    }

    /// <summary>
    /// One streaming token over C channels, then SiLU: with the history h [K − 1, C] (oldest first) and the new input
    /// u [C], y = <see cref="Token"/> over the taps h_0 … h_{K−2}, u; then y ← y·σ(y); the history shifts by one token
    /// and takes u. u is overwritten (it holds σ(y) afterwards).
    /// </summary>
    public static void StepSilu(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> history, Span<float> u, Span<float> y, int kernel)
    {
        int c = u.Length, hist = kernel - 1;
        if (weight.Length != c * kernel || (!bias.IsEmpty && bias.Length != c) || history.Length != hist * c || y.Length != c)
        {
            throw new ArgumentException($"StepSilu needs w [{c}, {kernel}], bias (or none) and y [{c}], history [{hist}, {c}].");
        }
        fixed (float* w = weight, bp = bias, h = history, up = u, yp = y)
        {
            float** taps = stackalloc float*[kernel];
            for (int j = 0; j < hist; j++)
            {
                taps[j] = h + ((nint)j * c);
            }
            taps[hist] = up;
            Token(w, bp, taps, kernel, c, yp);
        }
        PushHistory(history, u);
        TensorPrimitives.Sigmoid(y, u);
        TensorPrimitives.Multiply(y, u, y);
    }

    /// <summary>Shifts one sequence's history [K − 1, C] by one token and appends <paramref name="u"/> [C] as its newest row.</summary>
    public static void PushHistory(Span<float> history, ReadOnlySpan<float> u)
    {
        int c = u.Length;
        if (history.Length >= c)
        {
            history[c..].CopyTo(history);
            u.CopyTo(history[^c..]);
        }
    }
}
