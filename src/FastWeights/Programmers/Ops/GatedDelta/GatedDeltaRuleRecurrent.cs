using FastWeights.Programmers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Ops.GatedDelta;

/// <summary>Streaming steps of <see cref="GatedDeltaRuleOp"/>: S ← α S (I − β k kᵀ) + β v kᵀ, o = S q. No tape.</summary>
public static class GatedDeltaRuleRecurrent
{
    /// <summary>One step for every (batch, head): updates <paramref name="state"/> [B, H, d_v, d_k] in place and returns o_t [B, H, d_v].</summary>
    /// <param name="state">The state, updated in place.</param>
    /// <param name="q">φ(q_t), [B, H, d_k].</param>
    /// <param name="k">φ(k_t), [B, H, d_k].</param>
    /// <param name="v">v_t, [B, H, d_v].</param>
    /// <param name="alpha">α_t, [B, H].</param>
    /// <param name="beta">β_t, [B, H].</param>
    public static Tensor Step(Tensor state, Tensor q, Tensor k, Tensor v, Tensor alpha, Tensor beta) =>
        FastWeightOpCore.Step(true, true, state, q, k, v, alpha, beta);

    /// <summary>One step on one head's raw state (d_v × d_k row-major), writing o_t into <paramref name="output"/> (d_v).</summary>
    /// <param name="state">The state, updated in place.</param>
    /// <param name="q">φ(q_t), d_k.</param>
    /// <param name="k">φ(k_t), d_k.</param>
    /// <param name="v">v_t, d_v.</param>
    /// <param name="alpha">α_t.</param>
    /// <param name="beta">β_t.</param>
    /// <param name="output">o_t, d_v.</param>
    public static void Step(Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, float alpha, float beta, Span<float> output) =>
        FastWeightOpCore.Step(true, state, q, k, v, alpha, beta, output);
}
