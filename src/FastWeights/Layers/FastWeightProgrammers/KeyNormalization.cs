namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>How feature-mapped keys (and queries) are normalised over their last axis (see <see cref="FeatureMaps"/>).</summary>
public enum KeyNormalization
{
    /// <summary>No normalisation.</summary>
    None,

    /// <summary>x / (Σ_i x_i + ε) (Schlag et al. 2021; for non-negative feature maps).</summary>
    Sum,

    /// <summary>x / √(Σ_i x_i² + ε) (DeltaNet).</summary>
    L2,
}
