namespace FastWeights.Programmers.Layers;

/// <summary>How φ(q) and φ(k) are normalised (each vector on its own, per head).</summary>
public enum KeyNormalization
{
    /// <summary>No normalisation.</summary>
    None,

    /// <summary>φ(x) / Σ_i φ(x)_i (Schlag et al. 2021, §4.2; meant for positive feature maps).</summary>
    Sum,

    /// <summary>φ(x) / ‖φ(x)‖₂ (DeltaNet; keeps the delta rule stable for β ∈ (0, 1)).</summary>
    L2,
}
