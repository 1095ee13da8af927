using FastWeights.Programmers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Ops.GatedDelta;

/// <summary>
/// Gated DeltaNet (Yang, Kautz, Hatamizadeh 2024): S_t = α_t S_{t−1} (I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ, o_t = S_t q_t.
/// One differentiable op (hand-written backward for q, k, v, α, β and S0); the chunkwise form folds the cumulative
/// decays into the WY representation.
/// </summary>
public static class GatedDeltaRuleOp
{
    /// <summary>Runs the rule over whole sequences. Both returned tensors take part in autodiff.</summary>
    /// <param name="q">Queries φ(q), [B, H, T, d_k].</param>
    /// <param name="k">Keys φ(k) (normalised, e.g. L2), [B, H, T, d_k].</param>
    /// <param name="v">Values, [B, H, T, d_v].</param>
    /// <param name="alpha">Decay α_t in (0, 1], [B, H, T].</param>
    /// <param name="beta">Writing strengths β_t, [B, H, T].</param>
    /// <param name="initialState">S0, [B, H, d_v, d_k], or null for zeros.</param>
    /// <param name="mode">Recurrent or chunkwise (same numbers); there is no parallel form.</param>
    /// <param name="chunkSize">Tokens per chunk (chunkwise only).</param>
    /// <returns>Outputs o [B, H, T, d_v] and the final state S_T [B, H, d_v, d_k].</returns>
    public static (Tensor Output, Tensor FinalState) Forward(Tensor q, Tensor k, Tensor v, Tensor alpha, Tensor beta, Tensor? initialState,
        FastWeightComputeMode mode = FastWeightComputeMode.Chunkwise, int chunkSize = 64) =>
        FastWeightOpCore.Forward(true, true, q, k, v, alpha, beta, initialState, mode, chunkSize);
}
