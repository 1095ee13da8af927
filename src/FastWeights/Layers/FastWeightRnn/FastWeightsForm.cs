namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// How the fused fast-weights RNN op evaluates the fast-memory term A(t)·h_s (Ba et al. 2016, section 3).
/// Both forms compute the same function; they differ only in cost.
/// </summary>
public enum FastWeightsForm
{
    /// <summary>Efficient when the sequence is shorter than the hidden size (T &lt; R), explicit otherwise.</summary>
    Auto = 0,

    /// <summary>Keeps A(t) as an R×R matrix per example and updates it every step: O(T·R²) per sequence.</summary>
    Explicit = 1,

    /// <summary>
    /// Never forms A: A(t)·h_s = η Σ_{τ=1..t} λ^{t−τ} h(τ) (h(τ)ᵀ h_s), attention over the stored past hidden
    /// states: O(T²·R) per sequence.
    /// </summary>
    Efficient = 2,
}
