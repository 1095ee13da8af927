using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastWeights.Kernels;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// The fast weight programmers' one-token step on one head's state (streaming inference and the recurrent form's
/// reference step): no tape, no allocation, single-threaded and in a fixed order, specialised by the rule type.
/// AVX2/FMA when the CPU has it (on <see cref="StreamingKernels"/>' dot-product chains), row by row otherwise.
/// </summary>
internal static unsafe class FastWeightStepKernel
{
    /// <summary>
    /// The same step one row at a time, in the order of the recurrence (the reference form, and the fallback of
    /// <see cref="Step"/>): w_r = β(v_r − α S_r·k) or v_r, S_r ← α S_r + w_r k, o_r = S_r·q.
    /// </summary>
    public static void StepRowByRow<TRule>(int dk, int dv, Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k,
        ReadOnlySpan<float> v, float alpha, float beta, Span<float> output)
        where TRule : struct, IFastWeightRule
    {
        for (int r = 0; r < dv; r++)
        {
            var row = state.Slice(r * dk, dk);
            float w = TRule.IsDelta ? beta * (v[r] - (alpha * TensorPrimitives.Dot(row, k))) : v[r];
            if (alpha != 1f)
            {
                TensorPrimitives.Multiply(row, alpha, row);
            }
            TensorPrimitives.MultiplyAdd(k, w, row, row);
            output[r] = TensorPrimitives.Dot(row, q);
        }
    }

    /// <summary>
    /// One head's fast-weight step on its state S (d_v × d_k row-major), per row r (see <c>RecurrentKernel</c>):
    /// u_r = S_r·k (delta rules), w_r = β(v_r − α u_r) or v_r, S_r ← α S_r + w_r k, o_r = S_r·q. Four rows at a time
    /// (eight independent dot products in flight): u_r and p_r = S_r·q on the old rows give o_r = α p_r + w_r (k·q)
    /// (the same value, S_r·q expanded), then the rows take the update while still in L1.
    /// <paramref name="work"/> (≥ d_v floats) receives w.
    /// </summary>
    public static void Step<TRule>(Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        float alpha, float beta, Span<float> output, Span<float> work)
        where TRule : struct, IFastWeightRule
    {
        int dk = k.Length, dv = v.Length;
        if (q.Length != dk || state.Length != dk * dv || output.Length < dv || work.Length < dv)
        {
            throw new ArgumentException($"FastWeightStep needs q, k [{dk}], S [{dv}·{dk}], o and work [{dv}]; got q {q.Length}, S {state.Length}, o {output.Length}, work {work.Length}.");
        }
        if (!Fma.IsSupported || dk < 8)
        {
            StepRowByRow<TRule>(dk, dv, state, q, k, v, alpha, beta, output);
            return;
        }
        fixed (float* s = state, qp = q, kp = k, vp = v, op = output, wp = work)
        {
            float kq = StreamingKernels.Dot(kp, qp, dk);
            var a = Vector256.Create(alpha);
            bool wide = KernelPaths.Current == KernelPath.Avx512;
            // Four rows at a time, while they are in L1: p = S q and (delta rules) u = S k on the old rows; w_r, then
            // o_r = α p_r + w_r (k·q); then S_r ← α S_r + w_r k.
            int r = 0;
            float u0 = 0f, u1 = 0f, u2 = 0f, u3 = 0f, p0, p1, p2, p3;
            for (; r + 4 <= dv; r += 4)
            {
                float* row = s + ((nint)r * dk);
                if (TRule.IsDelta)
                {
                    StreamingKernels.Dot4Pair(row, dk, kp, qp, out u0, out u1, out u2, out u3, out p0, out p1, out p2, out p3);
                }
                else
                {
                    StreamingKernels.Dot4(row, dk, qp, false, wide, out p0, out p1, out p2, out p3);
                }
                Read<TRule>(alpha, beta, kq, vp[r], u0, p0, wp + r, op + r);
                Read<TRule>(alpha, beta, kq, vp[r + 1], u1, p1, wp + r + 1, op + r + 1);
                Read<TRule>(alpha, beta, kq, vp[r + 2], u2, p2, wp + r + 2, op + r + 2);
                Read<TRule>(alpha, beta, kq, vp[r + 3], u3, p3, wp + r + 3, op + r + 3);
                Update(row, kp, dk, a, alpha, wp[r]);
                Update(row + dk, kp, dk, a, alpha, wp[r + 1]);
                Update(row + (2 * dk), kp, dk, a, alpha, wp[r + 2]);
                Update(row + (3 * dk), kp, dk, a, alpha, wp[r + 3]);
            }
            for (; r < dv; r++)
            {
                float* row = s + ((nint)r * dk);
                Read<TRule>(alpha, beta, kq, vp[r], TRule.IsDelta ? StreamingKernels.Dot(row, kp, dk) : 0f, StreamingKernels.Dot(row, qp, dk), wp + r, op + r);
                Update(row, kp, dk, a, alpha, wp[r]);
            }
        }
    }

    // row ← α row + w k.
    private static void Update(float* row, float* k, int n, Vector256<float> alphaV, float alpha, float w)
    {
        var wv = Vector256.Create(w);
        int p = 0;
        for (; p + 8 <= n; p += 8)
        {
            Avx.Store(row + p, Fma.MultiplyAdd(Avx.LoadVector256(k + p), wv, Avx.Multiply(Avx.LoadVector256(row + p), alphaV)));
        }
        for (; p < n; p++)
        {
            row[p] = MathF.FusedMultiplyAdd(k[p], w, row[p] * alpha);
        }
    }

    // w = β(v − α u) (delta rules) or v; o = α p + w (k·q).
    private static void Read<TRule>(float alpha, float beta, float kq, float v, float u, float p, float* w, float* o)
        where TRule : struct, IFastWeightRule
    {
        float wr = TRule.IsDelta ? beta * (v - (alpha * u)) : v;
        *w = wr;
        *o = MathF.FusedMultiplyAdd(wr, kq, alpha * p);
    }
}
