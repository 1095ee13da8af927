using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.GatedDelta;

/// <summary>
/// Gated DeltaNet (Yang, Kautz, Hatamizadeh 2024): S_t = α_t S_{t−1} (I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ, o_t = S_t q_t.
/// One differentiable op (hand-written backward for q, k, v, α, β and S0), recurrent or chunkwise (the cumulative decays
/// folded into the WY representation); there is no parallel form.
/// </summary>
public static class GatedDeltaRuleOp
{
    /// <inheritdoc cref="FastWeightOpCore.Forward{TRule}"/>
    public static (Tensor Output, Tensor FinalState) Forward(Tensor q, Tensor k, Tensor v, Tensor alpha, Tensor beta, Tensor? initialState,
        FastWeightComputeMode mode = FastWeightComputeMode.Chunkwise, int chunkSize = 64) =>
        FastWeightOpCore.Forward<GatedDeltaRule>(q, k, v, alpha, beta, initialState, mode, chunkSize);

    /// <summary>One streaming step for every (batch, head), S ← α S (I − β k kᵀ) + β v kᵀ, o = S q: updates <paramref name="state"/> in place and returns o_t [B, H, d_v]. No tape.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Tensor, Tensor, Tensor, Tensor, Tensor?, Tensor?)"/>
    public static Tensor Step(Tensor state, Tensor q, Tensor k, Tensor v, Tensor alpha, Tensor beta) =>
        FastWeightOpCore.Step<GatedDeltaRule>(state, q, k, v, alpha, beta);

    /// <summary>One step on one head's raw state (d_v × d_k row-major), S ← α S (I − β k kᵀ) + β v kᵀ, o = S q, writing o_t into <paramref name="output"/>.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, Span{float})"/>
    public static void Step(Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, float alpha, float beta, Span<float> output) =>
        FastWeightOpCore.Step<GatedDeltaRule>(state, q, k, v, alpha, beta, output);
}
