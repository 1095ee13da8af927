namespace FastWeights.Programmers.Ops.Common;

/// <summary>
/// The flat buffers of one call, laid out [B, H, T, ·] / [B, H, d_v, d_k] row-major, so (b, h) = s owns a contiguous slice.
/// Empty memories mean "absent" (α, β when the rule has none; S0 when zero; gradients not wanted).
/// </summary>
internal sealed class FastWeightBuffers
{
    public Memory<float> Q, K, V, Alpha, Beta, InitialState, Output, FinalState;

    /// <summary>Saved states for the backward pass: chunk-start states (chunkwise) or checkpoints (recurrent).</summary>
    public float[] Saved = [];

    /// <summary>Delta rules, chunkwise: the pseudo-values U' and the residuals R = V − diag(g) K Sᵀ ([B·H, T, d_v]) of the forward pass.</summary>
    public float[] SavedPseudoValues = [], SavedResidual = [];

    /// <summary>Delta rules, chunkwise: per chunk (C×C slots, [B·H, chunks, C·C]) P = M ⊙ Q Kᵀ, N⁻¹ and Γ ⊙ K Kᵀ.</summary>
    public float[] SavedScores = [], SavedInverse = [], SavedGram = [];

    /// <summary>Gradient of the output and of the final state (either may be empty = zero).</summary>
    public Memory<float> OutputGrad, FinalStateGrad;

    /// <summary>Gradient accumulators (+=); empty ones are skipped.</summary>
    public Memory<float> QGrad, KGrad, VGrad, AlphaGrad, BetaGrad, InitialStateGrad;
}
