using FastWeights.Layers.FastWeightProgrammers.Ops;

namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>The settings of a <see cref="FastWeightProgrammerLayer"/>.</summary>
public sealed record FastWeightLayerOptions
{
    /// <summary>The update rule.</summary>
    public FastWeightRule Rule { get; init; } = FastWeightRule.Delta;

    /// <summary>Number of heads H.</summary>
    public int Heads { get; init; } = 2;

    /// <summary>Key (and query) size per head d_k; 0 means model size / H.</summary>
    public int KeyDim { get; init; }

    /// <summary>Value size per head d_v; 0 means model size / H.</summary>
    public int ValueDim { get; init; }

    /// <summary>Feature map φ on queries and keys (after the convolution and its SiLU, when there is one).</summary>
    public FeatureMap FeatureMap { get; init; } = FeatureMap.Identity;

    /// <summary>ν of the DPFP feature map (φ has 2·ν·d_k features).</summary>
    public int DpfpNu { get; init; } = 1;

    /// <summary>Normalisation of φ(q) and φ(k).</summary>
    public KeyNormalization Normalization { get; init; } = KeyNormalization.L2;

    /// <summary>Whether q, k and v pass through a short causal depthwise convolution (then SiLU) after projection.</summary>
    public bool ShortConv { get; init; } = true;

    /// <summary>Kernel size of the short convolution.</summary>
    public int ConvKernel { get; init; } = 4;

    /// <summary>Whether each head's output is layer-normalised before the output projection.</summary>
    public bool OutputNorm { get; init; } = true;

    /// <summary>How the op evaluates whole sequences.</summary>
    public FastWeightComputeMode Mode { get; init; } = FastWeightComputeMode.Chunkwise;

    /// <summary>Tokens per chunk in the chunkwise form.</summary>
    public int ChunkSize { get; init; } = 64;

    /// <summary>Initial bias of the α gate pre-activation (α = σ(w_α·x + b); 3 gives α ≈ 0.95 at the start).</summary>
    public float GateBias { get; init; } = 3f;

    /// <summary>The usual settings of a rule: linear attention uses elu+1 with sum normalisation; the delta rules identity (after the conv's SiLU) with L2.</summary>
    public static FastWeightLayerOptions For(FastWeightRule rule, int heads) => new()
    {
        Rule = rule,
        Heads = heads,
        FeatureMap = rule.IsDelta() ? FeatureMap.Identity : FeatureMap.EluPlusOne,
        Normalization = rule.DefaultNormalization(),
    };
}
