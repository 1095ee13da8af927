using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Ops.Common;

/// <summary>
/// Shape checks and tape glue shared by the rule ops: runs the chosen form and records one backward action that reads
/// the gradients of both the output and the final state and accumulates into q, k, v, α, β and S0.
/// </summary>
internal static class FastWeightOpCore
{
    /// <summary>Runs a rule over whole sequences; see the public rule ops for the layout.</summary>
    public static (Tensor Output, Tensor FinalState) Forward(
        bool delta, bool gated, Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta, Tensor? initialState,
        FastWeightComputeMode mode, int chunkSize)
    {
        var p = Validate(delta, gated, q, k, v, alpha, beta, initialState);
        int chunk = mode switch
        {
            FastWeightComputeMode.Recurrent => 0,
            FastWeightComputeMode.Parallel when delta => throw new ArgumentException(
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
            Alpha = gated ? Memory(alpha) : default,
            Beta = delta ? Memory(beta) : default,
            InitialState = Memory(initialState),
            Output = Memory(output),
            FinalState = Memory(finalState),
        };
        bool record = Tape.ShouldRecord([q, k, v])
            || (gated && alpha!.RequiresGrad && Tape.IsGradEnabled)
            || (delta && beta!.RequiresGrad && Tape.IsGradEnabled)
            || (initialState is not null && Tape.ShouldRecord(initialState));
        if (chunk == 0)
        {
            RecurrentKernel.Forward(p, buf, record);
        }
        else
        {
            ChunkwiseKernel.Forward(p, buf, chunk, record);
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
            buf.AlphaGrad = gated ? GradOf(alpha!) : default;
            buf.BetaGrad = delta ? GradOf(beta!) : default;
            buf.InitialStateGrad = initialState is null ? default : GradOf(initialState);
            if (chunk == 0)
            {
                RecurrentKernel.Backward(p, buf);
                buf.Saved = [];
            }
            else
            {
                ChunkwiseKernel.Backward(p, buf, chunk);
                ChunkwiseKernel.Release(buf);
            }
        });
        return (output, finalState);
    }

    /// <summary>One streaming step for all (batch, head) pairs: updates <paramref name="state"/> in place, returns o_t [B, H, d_v]. No tape.</summary>
    public static Tensor Step(bool delta, bool gated, Tensor state, Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        if (state.Rank != 4)
        {
            throw new ArgumentException($"The state must be [B, H, d_v, d_k], got {ShapeUtil.Format(state.Shape)}.", nameof(state));
        }
        int b = state.Dim(0), h = state.Dim(1), dv = state.Dim(2), dk = state.Dim(3);
        CheckShape(q, nameof(q), b, h, dk);
        CheckShape(k, nameof(k), b, h, dk);
        CheckShape(v, nameof(v), b, h, dv);
        if (gated)
        {
            ArgumentNullException.ThrowIfNull(alpha);
            CheckShape(alpha, nameof(alpha), b, h);
        }
        if (delta)
        {
            ArgumentNullException.ThrowIfNull(beta);
            CheckShape(beta, nameof(beta), b, h);
        }
        var o = Tensor.Zeros(b, h, dv);
        var st = state.Span;
        var os = o.Span;
        for (int s = 0; s < b * h; s++)
        {
            RecurrentKernel.Step(delta, dk, dv, st.Slice(s * dk * dv, dk * dv), q.Span.Slice(s * dk, dk), k.Span.Slice(s * dk, dk),
                v.Span.Slice(s * dv, dv), gated ? alpha!.Span[s] : 1f, delta ? beta!.Span[s] : 1f, os.Slice(s * dv, dv));
        }
        return o;
    }

    /// <summary>One streaming step on a single head's raw state (d_v × d_k row-major), writing o_t = S_t q_t.</summary>
    public static void Step(bool delta, Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        float alpha, float beta, Span<float> output)
    {
        int dk = k.Length, dv = v.Length;
        if (q.Length != dk || state.Length != dk * dv || output.Length < dv)
        {
            throw new ArgumentException($"Step needs q, k of length d_k = {dk}, a state of d_v·d_k = {dk * dv} and an output of d_v = {dv}; got q {q.Length}, state {state.Length}, output {output.Length}.");
        }
        RecurrentKernel.Step(delta, dk, dv, state, q, k, v, alpha, beta, output);
    }

    private static FastWeightProblem Validate(bool delta, bool gated, Tensor q, Tensor k, Tensor v, Tensor? alpha, Tensor? beta, Tensor? s0)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        if (q.Rank != 4)
        {
            throw new ArgumentException($"q must be [B, H, T, d_k], got {ShapeUtil.Format(q.Shape)}.", nameof(q));
        }
        int b = q.Dim(0), h = q.Dim(1), t = q.Dim(2), dk = q.Dim(3);
        CheckShape(k, nameof(k), b, h, t, dk);
        if (v.Rank != 4 || v.Dim(0) != b || v.Dim(1) != h || v.Dim(2) != t)
        {
            throw new ArgumentException($"v must be [{b}, {h}, {t}, d_v], got {ShapeUtil.Format(v.Shape)}.", nameof(v));
        }
        int dv = v.Dim(3);
        if (gated)
        {
            ArgumentNullException.ThrowIfNull(alpha);
            CheckShape(alpha, nameof(alpha), b, h, t);
        }
        if (delta)
        {
            ArgumentNullException.ThrowIfNull(beta);
            CheckShape(beta, nameof(beta), b, h, t);
        }
        if (s0 is not null)
        {
            CheckShape(s0, "initialState", b, h, dv, dk);
        }
        return new FastWeightProblem(b, h, t, dk, dv, delta, gated);
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
