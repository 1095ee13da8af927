using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Linear;

/// <summary>
/// Linear attention / the sum (Hebbian) fast-weight update (Katharopoulos et al. 2020; Schlag et al. 2021):
/// S_t = S_{t−1} + v_t k_tᵀ, o_t = S_t q_t, on already feature-mapped q, k. One differentiable op (hand-written backward
/// for q, k, v and S0), recurrent, parallel or chunkwise. The normaliser z_tᵀ q_t with z_t = Σ_{i≤t} k_i is this same op
/// with v ≡ 1 (d_v = 1).
/// </summary>
public static class LinearAttentionOp
{
    /// <inheritdoc cref="FastWeightOpCore.Forward{TRule}"/>
    public static (Tensor Output, Tensor FinalState) Forward(Tensor q, Tensor k, Tensor v, Tensor? initialState,
        FastWeightComputeMode mode = FastWeightComputeMode.Chunkwise, int chunkSize = 64) =>
        FastWeightOpCore.Forward<SumRule>(q, k, v, null, null, initialState, mode, chunkSize);

    /// <summary>One streaming step for every (batch, head), S ← S + v kᵀ, o = S q: updates <paramref name="state"/> in place and returns o_t [B, H, d_v]. No tape.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Tensor, Tensor, Tensor, Tensor, Tensor?, Tensor?)"/>
    public static Tensor Step(Tensor state, Tensor q, Tensor k, Tensor v) =>
        FastWeightOpCore.Step<SumRule>(state, q, k, v, null, null);

    /// <summary>One step on one head's raw state (d_v × d_k row-major), S ← S + v kᵀ, o = S q, writing o_t into <paramref name="output"/>.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, Span{float})"/>
    public static void Step(Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output) =>
        FastWeightOpCore.Step<SumRule>(state, q, k, v, 1f, 1f, output);
}
