namespace FastWeights.Programmers.Layers;

/// <summary>The feature map φ applied to queries and keys before the fast-weight update.</summary>
public enum FeatureMap
{
    /// <summary>φ(x) = x.</summary>
    Identity,

    /// <summary>φ(x) = max(x, 0).</summary>
    Relu,

    /// <summary>φ(x) = elu(x) + 1 (Katharopoulos et al. 2020), computed as relu(x) + exp(−relu(−x)).</summary>
    EluPlusOne,

    /// <summary>φ(x) = x·σ(x) (SiLU, as DeltaNet uses).</summary>
    Silu,
}
