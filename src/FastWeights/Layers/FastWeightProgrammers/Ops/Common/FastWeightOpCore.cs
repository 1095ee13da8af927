using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// Shape checks and tape glue shared by the rule ops: runs the chosen form of the rule <c>TRule</c> and records one
/// backward action that reads the gradients of both the output and the final state and accumulates into q, k, v, α, β
/// and S0. The overloads taking a <see cref="FastWeightRule"/> dispatch once to the generic ones.
/// </summary>
internal static class FastWeightOpCore
{
    /// <summary>Runs <paramref name="rule"/> over whole sequences (α, β are read only when the rule has them).</summary>
    public static (Tensor Output, Tensor FinalState) Forward(FastWeightRule rule, Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta,
        Tensor? initialState, FastWeightComputeMode mode, int chunkSize) => rule switch
        {
            FastWeightRule.Linear => Forward<SumRule>(q, k, v, alpha, beta, initialState, mode, chunkSize),
            FastWeightRule.Decay => Forward<DecayedSumRule>(q, k, v, alpha, beta, initialState, mode, chunkSize),
            FastWeightRule.Delta => Forward<DeltaRule>(q, k, v, alpha, beta, initialState, mode, chunkSize),
            FastWeightRule.GatedDelta => Forward<GatedDeltaRule>(q, k, v, alpha, beta, initialState, mode, chunkSize),
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };

    /// <summary>Runs the rule over whole sequences. Both returned tensors take part in autodiff.</summary>
    /// <param name="q">Queries φ(q), [B, H, T, d_k].</param>
    /// <param name="k">Keys φ(k) (normalised, e.g. L2, for the delta rules), [B, H, T, d_k].</param>
    /// <param name="v">Values, [B, H, T, d_v].</param>
    /// <param name="alpha">Decay α_t in (0, 1], [B, H, T] (decaying rules; callers compute it, e.g. exp of a log-sigmoid, or a constant per head).</param>
    /// <param name="beta">Writing strengths β_t (e.g. σ(w_β·x_t)), [B, H, T] (delta rules).</param>
    /// <param name="initialState">S0, [B, H, d_v, d_k], or null for zeros.</param>
    /// <param name="mode">Recurrent, chunkwise or (sum rules only) parallel; all give the same numbers.</param>
    /// <param name="chunkSize">Tokens per chunk (chunkwise only).</param>
    /// <returns>Outputs o [B, H, T, d_v] and the final state S_T [B, H, d_v, d_k].</returns>
    public static (Tensor Output, Tensor FinalState) Forward<TRule>(Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta, Tensor? initialState,
        FastWeightComputeMode mode, int chunkSize)
        where TRule : struct, IFastWeightRule
    {
        var p = Validate<TRule>(q, k, v, alpha, beta, initialState);
        int chunk = mode switch
        {
            FastWeightComputeMode.Recurrent => 0,
            FastWeightComputeMode.Parallel when TRule.IsDelta => throw new ArgumentException(
                "The parallel (attention-matrix) form exists for the linear and decay rules only; use Chunkwise or Recurrent.", nameof(mode)),
            FastWeightComputeMode.Parallel => Math.Max(1, p.Steps),
            FastWeightComputeMode.Chunkwise when chunkSize < 1 => throw new ArgumentOutOfRangeException(nameof(chunkSize), $"The chunk size must be ≥ 1, got {chunkSize}."),
            FastWeightComputeMode.Chunkwise => chunkSize,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };

        var output = Tensor.Zeros(p.Batch, p.Heads, p.Steps, p.ValueDim);
        var finalState = Tensor.Zeros(p.Batch, p.Heads, p.ValueDim, p.KeyDim);
        var buf = new FastWeightBuffers
        {
            Q = Memory(q),
            K = Memory(k),
            V = Memory(v),
            Alpha = TRule.HasDecay ? Memory(alpha) : default,
            Beta = TRule.IsDelta ? Memory(beta) : default,
            InitialState = Memory(initialState),
            Output = Memory(output),
            FinalState = Memory(finalState),
        };
        bool record = Tape.ShouldRecord([q, k, v])
            || (TRule.HasDecay && alpha!.RequiresGrad && Tape.IsGradEnabled)
            || (TRule.IsDelta && beta!.RequiresGrad && Tape.IsGradEnabled)
            || (initialState is not null && Tape.ShouldRecord(initialState));
        if (chunk == 0)
        {
            RecurrentKernel.Forward<TRule>(p, buf, record);
        }
        else
        {
            ChunkwiseKernel.Forward<TRule>(p, buf, chunk, record);
        }
        if (!record)
        {
            return (output, finalState);
        }

        finalState.RequiresGrad = true;
        Tape.Record(output, () =>
        {
            if (output.Grad is null && finalState.Grad is null)
            {
                return;
            }
            buf.OutputGrad = Memory(output.Grad);
            buf.FinalStateGrad = Memory(finalState.Grad);
            buf.QGrad = GradOf(q);
            buf.KGrad = GradOf(k);
            buf.VGrad = GradOf(v);
            buf.AlphaGrad = TRule.HasDecay ? GradOf(alpha!) : default;
            buf.BetaGrad = TRule.IsDelta ? GradOf(beta!) : default;
            buf.InitialStateGrad = initialState is null ? default : GradOf(initialState);
            if (chunk == 0)
            {
                RecurrentKernel.Backward<TRule>(p, buf);
                buf.Saved = [];
            }
            else
            {
                ChunkwiseKernel.Backward<TRule>(p, buf, chunk);
                ChunkwiseKernel.Release(buf);
            }
        });
        return (output, finalState);
    }

    /// <summary>One streaming step of <paramref name="rule"/> for all (batch, head) pairs; see <see cref="Step{TRule}(Tensor, Tensor, Tensor, Tensor, Tensor?, Tensor?)"/>.</summary>
    public static Tensor Step(FastWeightRule rule, Tensor state, Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta) => rule switch
    {
        FastWeightRule.Linear => Step<SumRule>(state, q, k, v, alpha, beta),
        FastWeightRule.Decay => Step<DecayedSumRule>(state, q, k, v, alpha, beta),
        FastWeightRule.Delta => Step<DeltaRule>(state, q, k, v, alpha, beta),
        FastWeightRule.GatedDelta => Step<GatedDeltaRule>(state, q, k, v, alpha, beta),
        _ => throw new ArgumentOutOfRangeException(nameof(rule)),
    };

    /// <summary>One streaming step for all (batch, head) pairs: updates <paramref name="state"/> in place, returns o_t [B, H, d_v]. No tape.</summary>
    /// <param name="state">The state [B, H, d_v, d_k], updated in place.</param>
    /// <param name="q">φ(q_t), [B, H, d_k].</param>
    /// <param name="k">φ(k_t), [B, H, d_k].</param>
    /// <param name="v">v_t, [B, H, d_v].</param>
    /// <param name="alpha">α_t, [B, H] (decaying rules).</param>
    /// <param name="beta">β_t, [B, H] (delta rules).</param>
    public static Tensor Step<TRule>(Tensor state, Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta)
        where TRule : struct, IFastWeightRule
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Rank != 4)
        {
            throw new ArgumentException($"The state must be [B, H, d_v, d_k], got {ShapeUtil.Format(state.Shape)}.", nameof(state));
        }
        int b = state.Dim(0), h = state.Dim(1), dv = state.Dim(2), dk = state.Dim(3);
        CheckInputs<TRule>(q, k, v, alpha, beta, [b, h], dk, dv);
        var o = Tensor.Zeros(b, h, dv);
        var st = state.Span;
        var os = o.Span;
        for (int s = 0; s < b * h; s++)
        {
            RecurrentKernel.Step<TRule>(dk, dv, st.Slice(s * dk * dv, dk * dv), q.Span.Slice(s * dk, dk), k.Span.Slice(s * dk, dk),
                v.Span.Slice(s * dv, dv), TRule.HasDecay ? alpha!.Span[s] : 1f, TRule.IsDelta ? beta!.Span[s] : 1f, os.Slice(s * dv, dv));
        }
        return o;
    }

    /// <summary>One streaming step on a single head's raw state (d_v × d_k row-major), writing o_t = S_t q_t (α, β ignored when the rule has none).</summary>
    /// <param name="state">The state, updated in place.</param>
    /// <param name="q">φ(q_t), d_k.</param>
    /// <param name="k">φ(k_t), d_k.</param>
    /// <param name="v">v_t, d_v.</param>
    /// <param name="alpha">α_t (decaying rules).</param>
    /// <param name="beta">β_t (delta rules).</param>
    /// <param name="output">o_t, d_v.</param>
    public static void Step<TRule>(Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        float alpha, float beta, Span<float> output)
        where TRule : struct, IFastWeightRule
    {
        int dk = k.Length, dv = v.Length;
        if (q.Length != dk || state.Length != dk * dv || output.Length < dv)
        {
            throw new ArgumentException($"Step needs q, k of length d_k = {dk}, a state of d_v·d_k = {dk * dv} and an output of d_v = {dv}; got q {q.Length}, state {state.Length}, output {output.Length}.");
        }
        RecurrentKernel.Step<TRule>(dk, dv, state, q, k, v, TRule.HasDecay ? alpha : 1f, TRule.IsDelta ? beta : 1f, output);
    }

    private static FastWeightProblem Validate<TRule>(Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta, Tensor? s0)
        where TRule : struct, IFastWeightRule
    {
        ArgumentNullException.ThrowIfNull(q);
        if (q.Rank != 4)
        {
            throw new ArgumentException($"q must be [B, H, T, d_k], got {ShapeUtil.Format(q.Shape)}.", nameof(q));
        }
        int b = q.Dim(0), h = q.Dim(1), t = q.Dim(2), dk = q.Dim(3);
        ArgumentNullException.ThrowIfNull(v);
        if (v.Rank != 4 || v.Dim(0) != b || v.Dim(1) != h || v.Dim(2) != t)
        {
            throw new ArgumentException($"v must be [{b}, {h}, {t}, d_v], got {ShapeUtil.Format(v.Shape)}.", nameof(v));
        }
        int dv = v.Dim(3);
        CheckInputs<TRule>(q, k, v, alpha, beta, [b, h, t], dk, dv);
        if (s0 is not null)
        {
            CheckShape(s0, "initialState", b, h, dv, dk);
        }
        return new FastWeightProblem(b, h, t, dk, dv, TRule.Rule);
    }

    // q, k [..lead, d_k], v [..lead, d_v] and the rule's gates α, β [..lead].
    private static void CheckInputs<TRule>(Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta, int[] lead, int dk, int dv)
        where TRule : struct, IFastWeightRule
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        CheckShape(q, nameof(q), [.. lead, dk]);
        CheckShape(k, nameof(k), [.. lead, dk]);
        CheckShape(v, nameof(v), [.. lead, dv]);
        if (TRule.HasDecay)
        {
            ArgumentNullException.ThrowIfNull(alpha);
            CheckShape(alpha, nameof(alpha), lead);
        }
        if (TRule.IsDelta)
        {
            ArgumentNullException.ThrowIfNull(beta);
            CheckShape(beta, nameof(beta), lead);
        }
    }

    private static void CheckShape(Tensor t, string name, params int[] expected)
    {
        if (!t.Shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"{name} must have shape {ShapeUtil.Format(expected)}, got {ShapeUtil.Format(t.Shape)}.", name);
        }
    }

    private static Memory<float> GradOf(Tensor t) => t.RequiresGrad ? Memory(t.EnsureGrad()) : default;

    private static Memory<float> Memory(Tensor? t) => t is null ? default : new Memory<float>(t.Storage, t.Offset, t.Length);
}
