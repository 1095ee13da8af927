namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>The feature map φ applied to queries and keys of a fast-weight programmer (see <see cref="FeatureMaps"/>).</summary>
public enum FeatureMap
{
    /// <summary>φ(x) = x.</summary>
    Identity,

    /// <summary>φ(x) = elu(x) + 1 (Katharopoulos et al. 2020).</summary>
    EluPlusOne,

    /// <summary>φ(x) = max(0, x).</summary>
    Relu,

    /// <summary>Deterministic parameter-free projection DPFP-ν (Schlag et al. 2021): d → 2dν features.</summary>
    Dpfp,
}
