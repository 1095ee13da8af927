using FastWeights.Programmers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Ops.Linear;

/// <summary>
/// Linear attention / the sum (Hebbian) fast-weight update (Katharopoulos et al. 2020; Schlag et al. 2021):
/// S_t = S_{t−1} + v_t k_tᵀ, o_t = S_t q_t, on already feature-mapped q, k. One differentiable op (hand-written backward
/// for q, k, v and S0). The normaliser z_tᵀ q_t with z_t = Σ_{i≤t} k_i is this same op with v ≡ 1 (d_v = 1).
/// </summary>
public static class LinearAttentionOp
{
    /// <summary>
    /// Runs the rule over whole sequences. Both returned tensors take part in autodiff.
    /// </summary>
    /// <param name="q">Queries φ(q), [B, H, T, d_k].</param>
    /// <param name="k">Keys φ(k), [B, H, T, d_k].</param>
    /// <param name="v">Values, [B, H, T, d_v].</param>
    /// <param name="initialState">S0, [B, H, d_v, d_k], or null for zeros.</param>
    /// <param name="mode">Recurrent, parallel or chunkwise (same numbers).</param>
    /// <param name="chunkSize">Tokens per chunk (chunkwise only).</param>
    /// <returns>Outputs o [B, H, T, d_v] and the final state S_T [B, H, d_v, d_k].</returns>
    public static (Tensor Output, Tensor FinalState) Forward(Tensor q, Tensor k, Tensor v, Tensor? initialState,
        FastWeightComputeMode mode = FastWeightComputeMode.Chunkwise, int chunkSize = 64) =>
        FastWeightOpCore.Forward(false, false, q, k, v, null, null, initialState, mode, chunkSize);
}
