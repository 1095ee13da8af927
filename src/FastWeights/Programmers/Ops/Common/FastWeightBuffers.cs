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

    /// <summary>Delta rules, chunkwise: the pseudo-values U' ([B·H, T, d_v]) and W = T diag(g) K ([B·H, T, d_k]) of the forward pass.</summary>
    public float[] SavedPseudoValues = [], SavedW = [];

    /// <summary>Gradient of the output and of the final state (either may be empty = zero).</summary>
    public Memory<float> OutputGrad, FinalStateGrad;

    /// <summary>Gradient accumulators (+=); empty ones are skipped.</summary>
    public Memory<float> QGrad, KGrad, VGrad, AlphaGrad, BetaGrad, InitialStateGrad;
}
