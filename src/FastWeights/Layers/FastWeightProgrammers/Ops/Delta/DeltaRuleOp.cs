using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Delta;

/// <summary>
/// DeltaNet (Schlag et al. 2021; Yang et al. 2024): S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ, o_t = S_t q_t, on
/// already feature-mapped and normalised q, k. One differentiable op (hand-written backward for q, k, v, β and S0),
/// recurrent or chunkwise (the WY representation / UT transform); there is no parallel form.
/// </summary>
public static class DeltaRuleOp
{
    /// <inheritdoc cref="FastWeightOpCore.Forward{TRule}"/>
    public static (Tensor Output, Tensor FinalState) Forward(Tensor q, Tensor k, Tensor v, Tensor beta, Tensor? initialState,
        FastWeightComputeMode mode = FastWeightComputeMode.Chunkwise, int chunkSize = 64) =>
        FastWeightOpCore.Forward<DeltaRule>(q, k, v, null, beta, initialState, mode, chunkSize);

    /// <summary>One streaming step for every (batch, head), S ← S + β (v − S k) kᵀ, o = S q: updates <paramref name="state"/> in place and returns o_t [B, H, d_v]. No tape.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Tensor, Tensor, Tensor, Tensor, Tensor?, Tensor?)"/>
    public static Tensor Step(Tensor state, Tensor q, Tensor k, Tensor v, Tensor beta) =>
        FastWeightOpCore.Step<DeltaRule>(state, q, k, v, null, beta);

    /// <summary>One step on one head's raw state (d_v × d_k row-major), S ← S + β (v − S k) kᵀ, o = S q, writing o_t into <paramref name="output"/>.</summary>
    /// <inheritdoc cref="FastWeightOpCore.Step{TRule}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, Span{float})"/>
    public static void Step(Span<float> state, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, float beta, Span<float> output) =>
        FastWeightOpCore.Step<DeltaRule>(state, q, k, v, 1f, beta, output);
}
