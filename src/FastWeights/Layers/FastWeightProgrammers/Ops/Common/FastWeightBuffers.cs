namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// The flat buffers of one call, laid out [B, H, T, ·] / [B, H, d_v, d_k] row-major, so (b, h) = s owns a contiguous slice.
/// Empty memories mean "absent" (α, β when the rule has none; S0 when zero; gradients not wanted).
/// </summary>
internal sealed class FastWeightBuffers
{
    public Memory<float> Q, K, V, Alpha, Beta, InitialState, Output, FinalState;

    /// <summary>Saved states for the backward pass: chunk-start states (chunkwise) or checkpoints (recurrent).</summary>
    public float[] Saved = [];

    /// <summary>Delta rules, chunkwise: the pseudo-values U' and the residuals R = V − diag(g) K Sᵀ ([B·H, T, d_v]) of the forward pass.</summary>
    public float[] SavedPseudoValues = [], SavedResidual = [];

    /// <summary>Delta rules, chunkwise: per chunk (C×C slots, [B·H, chunks, C·C]) P = M ⊙ Q Kᵀ, N⁻¹ and Γ ⊙ K Kᵀ.</summary>
    public float[] SavedScores = [], SavedInverse = [], SavedGram = [];

    /// <summary>Gradient of the output and of the final state (either may be empty = zero).</summary>
    public Memory<float> OutputGrad, FinalStateGrad;

    /// <summary>Gradient accumulators (+=); empty ones are skipped.</summary>
    public Memory<float> QGrad, KGrad, VGrad, AlphaGrad, BetaGrad, InitialStateGrad;

    /// <summary>Copies S0 of sequence <paramref name="s"/> into <paramref name="state"/> (zeros when absent).</summary>
    public void LoadInitialState(int s, Span<float> state) => CopyOrClear(InitialState, s, state);

    /// <summary>Copies ∂L/∂S_T of sequence <paramref name="s"/> into <paramref name="grad"/> (zeros when absent).</summary>
    public void LoadFinalStateGrad(int s, Span<float> grad) => CopyOrClear(FinalStateGrad, s, grad);

    /// <summary>∂S0 of sequence <paramref name="s"/> += <paramref name="grad"/> (when wanted).</summary>
    public void AddInitialStateGrad(int s, ReadOnlySpan<float> grad)
    {
        if (!InitialStateGrad.IsEmpty)
        {
            var dS0 = InitialStateGrad.Span.Slice(s * grad.Length, grad.Length);
            TensorPrimitives.Add(dS0, grad, dS0);
        }
    }

    private static void CopyOrClear(Memory<float> states, int s, Span<float> dst)
    {
        if (states.IsEmpty)
        {
            dst.Clear();
        }
        else
        {
            states.Span.Slice(s * dst.Length, dst.Length).CopyTo(dst);
        }
    }
}

/// <summary>
/// The inputs of one (batch, head) sequence, or of a run of its tokens (a chunk): [L, d_k] / [L, d_v] / [L] slices of
/// the buffers, α and β empty when the rule has none.
/// </summary>
internal readonly ref struct SequenceInputs
{
    public readonly int Length;
    public readonly ReadOnlySpan<float> Q, K, V, Alpha, Beta;
    private readonly int dk, dv;

    private SequenceInputs(int length, int dk, int dv, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> alpha, ReadOnlySpan<float> beta)
    {
        (Length, this.dk, this.dv) = (length, dk, dv);
        Q = q;
        K = k;
        V = v;
        Alpha = alpha;
        Beta = beta;
    }

    public void Deconstruct(out ReadOnlySpan<float> q, out ReadOnlySpan<float> k, out ReadOnlySpan<float> v, out ReadOnlySpan<float> alpha, out ReadOnlySpan<float> beta)
    {
        q = Q;
        k = K;
        v = V;
        alpha = Alpha;
        beta = Beta;
    }

    /// <summary>Sequence <paramref name="s"/> of <paramref name="buf"/>, with the gates the rule reads.</summary>
    public static SequenceInputs Of<TRule>(FastWeightProblem p, FastWeightBuffers buf, int s)
        where TRule : struct, IFastWeightRule
    {
        int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim;
        return new(T, dk, dv, buf.Q.Span.Slice(s * T * dk, T * dk), buf.K.Span.Slice(s * T * dk, T * dk), buf.V.Span.Slice(s * T * dv, T * dv),
            TRule.HasDecay ? buf.Alpha.Span.Slice(s * T, T) : default, TRule.IsDelta ? buf.Beta.Span.Slice(s * T, T) : default);
    }

    /// <summary>Tokens t0 … t0 + len − 1.</summary>
    public SequenceInputs Tokens(int t0, int len) => new(
        len, dk, dv, Q.Slice(t0 * dk, len * dk), K.Slice(t0 * dk, len * dk), V.Slice(t0 * dv, len * dv),
        Alpha.IsEmpty ? default : Alpha.Slice(t0, len), Beta.IsEmpty ? default : Beta.Slice(t0, len));
}

/// <summary>
/// One (batch, head) sequence's slices of the output gradient (read) and of the gradient accumulators (+=), laid out as
/// the inputs; each is empty when absent or not wanted.
/// </summary>
internal readonly ref struct SequenceGrads(FastWeightProblem p, FastWeightBuffers buf, int s)
{
    public readonly ReadOnlySpan<float> Output = Part(buf.OutputGrad, s * p.Steps * p.ValueDim, p.Steps * p.ValueDim);
    public readonly Span<float> Q = Part(buf.QGrad, s * p.Steps * p.KeyDim, p.Steps * p.KeyDim);
    public readonly Span<float> K = Part(buf.KGrad, s * p.Steps * p.KeyDim, p.Steps * p.KeyDim);
    public readonly Span<float> V = Part(buf.VGrad, s * p.Steps * p.ValueDim, p.Steps * p.ValueDim);
    public readonly Span<float> Alpha = Part(buf.AlphaGrad, s * p.Steps, p.Steps);
    public readonly Span<float> Beta = Part(buf.BetaGrad, s * p.Steps, p.Steps);

    public void Deconstruct(out ReadOnlySpan<float> output, out Span<float> q, out Span<float> k, out Span<float> v, out Span<float> alpha, out Span<float> beta)
    {
        output = Output;
        q = Q;
        k = K;
        v = V;
        alpha = Alpha;
        beta = Beta;
    }

    private static Span<float> Part(Memory<float> m, int at, int length) => m.IsEmpty ? default : m.Span.Slice(at, length);
}
