using FastWeights.Kernels;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// The recurrent form of every rule, one step at a time with an explicit state, fused forward and hand-written
/// backward. Per step (see <see cref="FastWeightProblem"/>), row r of S evolves on its own:
/// <code>
/// u_r = S_{t−1,r}·k_t                         (delta rules only)
/// w_r = β_t (v_r − α_t u_r)   or   w_r = v_r
/// S_{t,r} = α_t S_{t−1,r} + w_r k_t
/// o_r = S_{t,r}·q_t
/// </code>
/// Backward, with G = ∂L/∂S_t (carried from the future) and g = ∂L/∂o_t:
/// <code>
/// G_r += g_r q_t;  ∂q_t += Σ_r g_r S_{t,r}
/// ∂w_r = G_r·k_t;  ∂k_t += Σ_r w_r G_r;  ∂α_t += Σ_r G_r·S_{t−1,r}
/// delta: ∂β_t += Σ_r ∂w_r (v_r − α u_r);  ∂v_r += β ∂w_r;  ∂u_r = −αβ ∂w_r;  ∂α_t −= β Σ_r ∂w_r u_r;
///        ∂k_t += Σ_r ∂u_r S_{t−1,r};  ∂S_{t−1,r} = α G_r + ∂u_r k_t
/// else:  ∂v_r += ∂w_r;  ∂S_{t−1,r} = α G_r
/// </code>
/// The forward pass saves S every <see cref="CheckpointInterval"/> steps; the backward pass recomputes the states
/// of one segment at a time, so memory is O(T/R + R) states per sequence instead of O(T).
/// </summary>
internal static class RecurrentKernel
{
    /// <summary>Steps between saved states (R).</summary>
    public const int CheckpointInterval = 32;

    /// <summary>Number of saved states per sequence.</summary>
    public static int CheckpointCount(int steps) => (steps + CheckpointInterval - 1) / CheckpointInterval;

    /// <summary>Runs the recurrence; saves checkpoints into <see cref="FastWeightBuffers.Saved"/> when <paramref name="save"/>.</summary>
    public static void Forward<TRule>(FastWeightProblem p, FastWeightBuffers buf, bool save)
        where TRule : struct, IFastWeightRule
    {
        int ckCount = CheckpointCount(p.Steps);
        if (save)
        {
            buf.Saved = new float[(long)p.Sequences * ckCount * p.StateSize];
        }
        KernelThreads.ForEach(p.Sequences, () => new float[p.ValueDim], (s, scratch) =>
        {
            int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim, size = p.StateSize;
            var (q, k, v, alpha, beta) = SequenceInputs.Of<TRule>(p, buf, s);
            var o = buf.Output.Span.Slice(s * T * dv, T * dv);
            var state = buf.FinalState.Span.Slice(s * size, size);
            buf.LoadInitialState(s, state);
            var saved = save ? buf.Saved.AsSpan(s * ckCount * size, ckCount * size) : default;
            for (int t = 0; t < T; t++)
            {
                if (save && t % CheckpointInterval == 0)
                {
                    state.CopyTo(saved.Slice((t / CheckpointInterval) * size, size));
                }
                Step<TRule>(dk, dv, state, q.Slice(t * dk, dk), k.Slice(t * dk, dk), v.Slice(t * dv, dv),
                    TRule.HasDecay ? alpha[t] : 1f, TRule.IsDelta ? beta[t] : 1f, o.Slice(t * dv, dv));
            }
        });
    }

    /// <summary>One step on one head's state (d_v × d_k, row-major), writing o_t = S_t q_t.</summary>
    public static void Step<TRule>(int dk, int dv, Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k,
        ReadOnlySpan<float> v, float alpha, float beta, Span<float> o)
        where TRule : struct, IFastWeightRule =>
        FastWeightStepKernel.StepRowByRow<TRule>(dk, dv, state, q, k, v, alpha, beta, o);

    /// <summary>Accumulates the gradients of the last <see cref="Forward"/> (run with save = true) into the buffers.</summary>
    public static void Backward<TRule>(FastWeightProblem p, FastWeightBuffers buf)
        where TRule : struct, IFastWeightRule
    {
        int ckCount = CheckpointCount(p.Steps);
        KernelThreads.ForEach(p.Sequences, () => new BackwardWork(p), (s, work) => BackwardSequence<TRule>(p, buf, s, ckCount, work));
    }

    private sealed class BackwardWork(FastWeightProblem p)
    {
        public readonly float[] States = new float[(CheckpointInterval + 1) * p.StateSize];
        public readonly float[] StateGrad = new float[p.StateSize];
        public readonly float[] Discard = new float[p.ValueDim];
        public readonly float[] KeyGrad = new float[p.KeyDim];
        public readonly float[] QueryGrad = new float[p.KeyDim];
    }

    private static void BackwardSequence<TRule>(FastWeightProblem p, FastWeightBuffers buf, int s, int ckCount, BackwardWork work)
        where TRule : struct, IFastWeightRule
    {
        int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim, size = p.StateSize;
        var (q, k, v, alpha, beta) = SequenceInputs.Of<TRule>(p, buf, s);
        var (dO, dQ, dK, dV, dAlpha, dBeta) = new SequenceGrads(p, buf, s);
        var saved = buf.Saved.AsSpan(s * ckCount * size, ckCount * size);
        var states = work.States.AsSpan();
        var G = work.StateGrad.AsSpan();
        var gk = work.KeyGrad.AsSpan();
        var gq = work.QueryGrad.AsSpan();
        buf.LoadFinalStateGrad(s, G);

        for (int seg = ckCount - 1; seg >= 0; seg--)
        {
            int t0 = seg * CheckpointInterval, len = Math.Min(CheckpointInterval, T - t0);
            saved.Slice(seg * size, size).CopyTo(states);
            for (int j = 0; j < len; j++)
            {
                int t = t0 + j;
                var next = states.Slice((j + 1) * size, size);
                states.Slice(j * size, size).CopyTo(next);
                Step<TRule>(dk, dv, next, q.Slice(t * dk, dk), k.Slice(t * dk, dk), v.Slice(t * dv, dv),
                    TRule.HasDecay ? alpha[t] : 1f, TRule.IsDelta ? beta[t] : 1f, work.Discard);
            }
            for (int j = len - 1; j >= 0; j--)
            {
                int t = t0 + j;
                var prev = states.Slice(j * size, size);
                var cur = states.Slice((j + 1) * size, size);
                var qt = q.Slice(t * dk, dk);
                var kt = k.Slice(t * dk, dk);
                var vt = v.Slice(t * dv, dv);
                var dot = dO.IsEmpty ? default : dO.Slice(t * dv, dv);
                float a = TRule.HasDecay ? alpha[t] : 1f, b = TRule.IsDelta ? beta[t] : 1f;
                float da = 0f, db = 0f;
                gq.Clear();
                gk.Clear();
                for (int r = 0; r < dv; r++)
                {
                    var Gr = G.Slice(r * dk, dk);
                    var prevRow = prev.Slice(r * dk, dk);
                    if (!dot.IsEmpty && dot[r] != 0f)
                    {
                        TensorPrimitives.MultiplyAdd(qt, dot[r], Gr, Gr);
                        TensorPrimitives.MultiplyAdd(cur.Slice(r * dk, dk), dot[r], gq, gq);
                    }
                    float u = TRule.IsDelta ? TensorPrimitives.Dot(prevRow, kt) : 0f;
                    float w = TRule.IsDelta ? b * (vt[r] - (a * u)) : vt[r];
                    float dw = TensorPrimitives.Dot(Gr, kt);
                    TensorPrimitives.MultiplyAdd(Gr, w, gk, gk);
                    if (TRule.HasDecay)
                    {
                        da += TensorPrimitives.Dot(Gr, prevRow);
                    }
                    if (TRule.IsDelta)
                    {
                        db += dw * (vt[r] - (a * u));
                        if (!dV.IsEmpty)
                        {
                            dV[(t * dv) + r] += b * dw;
                        }
                        float du = -a * b * dw;
                        da -= b * dw * u;
                        TensorPrimitives.MultiplyAdd(prevRow, du, gk, gk);
                        if (a != 1f)
                        {
                            TensorPrimitives.Multiply(Gr, a, Gr);
                        }
                        TensorPrimitives.MultiplyAdd(kt, du, Gr, Gr);
                    }
                    else
                    {
                        if (!dV.IsEmpty)
                        {
                            dV[(t * dv) + r] += dw;
                        }
                        if (a != 1f)
                        {
                            TensorPrimitives.Multiply(Gr, a, Gr);
                        }
                    }
                }
                if (!dQ.IsEmpty)
                {
                    TensorPrimitives.Add(dQ.Slice(t * dk, dk), gq, dQ.Slice(t * dk, dk));
                }
                if (!dK.IsEmpty)
                {
                    TensorPrimitives.Add(dK.Slice(t * dk, dk), gk, dK.Slice(t * dk, dk));
                }
                if (!dAlpha.IsEmpty)
                {
                    dAlpha[t] += da;
                }
                if (!dBeta.IsEmpty)
                {
                    dBeta[t] += db;
                }
            }
        }
        buf.AddInitialStateGrad(s, G);
    }
}
