using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Decay;

/// <summary>
/// The decaying sum update (Ba et al. 2016 λ, RetNet's per-head γ, or a data-dependent α_t as in gated linear attention
/// with a scalar gate): S_t = α_t S_{t−1} + v_t k_tᵀ, o_t = S_t q_t. One differentiable op (hand-written backward for
/// q, k, v, α and S0), recurrent, parallel or chunkwise.
/// </summary>
public static class DecayAttentionOp
{
    /// <inheritdoc cref="FastWeightOpCore.Forward{TRule}"/>
    public static (Tensor Output, Tensor FinalState) Forward(Tensor q, Tensor k, Tensor v, Tensor alpha, Tensor? initialState,
        FastWeightComputeMode mode = FastWeightComputeMode.Chunkwise, int chunkSize = 64) =>
        FastWeightOpCore.Forward<DecayedSumRule>(q, k, v, alpha, null, initialState, mode, chunkSize);

    /// <summary>One streaming step for every (batch, head), S ← α S + v kᵀ, o = S q: updates <paramref name="state"/> in place and returns o_t [B, H, d_v]. No tape.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Tensor, Tensor, Tensor, Tensor, Tensor?, Tensor?)"/>
    public static Tensor Step(Tensor state, Tensor q, Tensor k, Tensor v, Tensor alpha) =>
        FastWeightOpCore.Step<DecayedSumRule>(state, q, k, v, alpha, null);

    /// <summary>One step on one head's raw state (d_v × d_k row-major), S ← α S + v kᵀ, o = S q, writing o_t into <paramref name="output"/>.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, Span{float})"/>
    public static void Step(Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, float alpha, Span<float> output) =>
        FastWeightOpCore.Step<DecayedSumRule>(state, q, k, v, alpha, 1f, output);
}
