namespace FastWeights.Layers.FastWeightProgrammers.Ops;

/// <summary>
/// A fast-weight rule as a type: every rule is S_t = α_t S_{t−1} + w_t k_tᵀ, o_t = S_t q_t, described by its update
/// (w_t = v_t, the sum; or w_t = β_t (v_t − α_t S_{t−1} k_t), the delta rule) and its decay (none, α_t ≡ 1; or a
/// data-dependent scalar α_t per head and step). The kernels are generic over <c>TRule : struct, IFastWeightRule</c>, so the
/// JIT compiles one copy per rule with these members folded to constants (no branch, no dispatch in the loops).
/// A fixed per-head decay or a per-key vector decay would be further members here.
/// </summary>
public interface IFastWeightRule
{
    /// <summary>The runtime name of the rule (what layers and the CLI choose).</summary>
    static abstract FastWeightRule Rule { get; }

    /// <summary>Whether the update is the delta rule w_t = β_t (v_t − α_t S_{t−1} k_t) (needs β), else the sum w_t = v_t.</summary>
    static abstract bool IsDelta { get; }

    /// <summary>Whether S decays by a data-dependent scalar α_t ∈ (0, 1] per head and step (needs α), else α_t ≡ 1.</summary>
    static abstract bool HasDecay { get; }
}

/// <summary>Sum rule / linear attention (Katharopoulos et al. 2020): S_t = S_{t−1} + v_t k_tᵀ.</summary>
public readonly struct SumRule : IFastWeightRule
{
    static FastWeightRule IFastWeightRule.Rule => FastWeightRule.Linear;
    static bool IFastWeightRule.IsDelta => false;
    static bool IFastWeightRule.HasDecay => false;
}

/// <summary>Decayed sum rule (RetNet / gated linear attention with a scalar gate): S_t = α_t S_{t−1} + v_t k_tᵀ.</summary>
public readonly struct DecayedSumRule : IFastWeightRule
{
    static FastWeightRule IFastWeightRule.Rule => FastWeightRule.Decay;
    static bool IFastWeightRule.IsDelta => false;
    static bool IFastWeightRule.HasDecay => true;
}

/// <summary>Delta rule / DeltaNet (Schlag et al. 2021): S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ.</summary>
public readonly struct DeltaRule : IFastWeightRule
{
    static FastWeightRule IFastWeightRule.Rule => FastWeightRule.Delta;
    static bool IFastWeightRule.IsDelta => true;
    static bool IFastWeightRule.HasDecay => false;
}

/// <summary>Gated delta rule (Yang et al. 2024): S_t = α_t S_{t−1} (I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ.</summary>
public readonly struct GatedDeltaRule : IFastWeightRule
{
    static FastWeightRule IFastWeightRule.Rule => FastWeightRule.GatedDelta;
    static bool IFastWeightRule.IsDelta => true;
    static bool IFastWeightRule.HasDecay => true;
}

/// <summary>The runtime side of <see cref="IFastWeightRule"/>: what a <see cref="FastWeightRule"/> value needs, for dispatching once at an op's entry.</summary>
public static class FastWeightRules
{
    /// <summary>Whether the rule's update is the delta rule (it needs β).</summary>
    public static bool IsDelta(this FastWeightRule rule) => rule is FastWeightRule.Delta or FastWeightRule.GatedDelta;

    /// <summary>Whether the rule decays S by α_t (it needs α).</summary>
    public static bool HasDecay(this FastWeightRule rule) => rule is FastWeightRule.Decay or FastWeightRule.GatedDelta;

    /// <summary>The normalisation of φ(q), φ(k) that belongs to the rule: L2 for the delta rules (then β ∈ (0, 1) keeps I − β k kᵀ a contraction), the sum (Katharopoulos et al. 2020) otherwise.</summary>
    public static KeyNormalization DefaultNormalization(this FastWeightRule rule) => rule.IsDelta() ? KeyNormalization.L2 : KeyNormalization.Sum;

    /// <summary>Whether the rule has the parallel (attention-matrix) form O = (M ⊙ Q Kᵀ) V: only the sum rules do.</summary>
    public static bool HasParallelForm(this FastWeightRule rule) => !rule.IsDelta();
}
