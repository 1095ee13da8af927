using FastWeights.Programmers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Ops.Decay;

/// <summary>
/// The decaying sum update (Ba et al. 2016 λ, RetNet's per-head γ, or a data-dependent α_t as in gated linear attention
/// with a scalar gate): S_t = α_t S_{t−1} + v_t k_tᵀ, o_t = S_t q_t. One differentiable op (hand-written backward for
/// q, k, v, α and S0).
/// </summary>
public static class DecayAttentionOp
{
    /// <summary>Runs the rule over whole sequences. Both returned tensors take part in autodiff.</summary>
    /// <param name="q">Queries φ(q), [B, H, T, d_k].</param>
    /// <param name="k">Keys φ(k), [B, H, T, d_k].</param>
    /// <param name="v">Values, [B, H, T, d_v].</param>
    /// <param name="alpha">Decay α_t in (0, 1], [B, H, T] (callers compute it, e.g. exp of a log-sigmoid, or a constant per head).</param>
    /// <param name="initialState">S0, [B, H, d_v, d_k], or null for zeros.</param>
    /// <param name="mode">Recurrent, parallel or chunkwise (same numbers).</param>
    /// <param name="chunkSize">Tokens per chunk (chunkwise only).</param>
    /// <returns>Outputs o [B, H, T, d_v] and the final state S_T [B, H, d_v, d_k].</returns>
    public static (Tensor Output, Tensor FinalState) Forward(Tensor q, Tensor k, Tensor v, Tensor alpha, Tensor? initialState,
        FastWeightComputeMode mode = FastWeightComputeMode.Chunkwise, int chunkSize = 64) =>
        FastWeightOpCore.Forward(false, true, q, k, v, alpha, null, initialState, mode, chunkSize);
}
