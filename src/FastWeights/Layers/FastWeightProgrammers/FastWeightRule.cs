namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>The update rule of a fast-weight programmer layer (every rule: S_t = α_t S_{t−1} + w_t k_tᵀ, o_t = S_t q_t).</summary>
public enum FastWeightRule
{
    /// <summary>Sum rule / linear attention (Katharopoulos et al. 2020): S_t = S_{t−1} + v_t k_tᵀ.</summary>
    Linear,

    /// <summary>Decayed sum rule (RetNet / gated linear attention with a scalar gate): S_t = α_t S_{t−1} + v_t k_tᵀ.</summary>
    Decay,

    /// <summary>Delta rule / DeltaNet (Schlag et al. 2021): S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ.</summary>
    Delta,

    /// <summary>Gated delta rule (Yang et al. 2024): S_t = α_t S_{t−1} (I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ.</summary>
    GatedDelta,
}
