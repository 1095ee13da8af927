using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Nn;

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

    /// <summary>Whether φ(q) is scaled by d_k^−½ after its normalisation (fla's convention; this library's leaves q unscaled).</summary>
    public bool ScaleQuery { get; init; }

    /// <summary>Whether q, k, v pass through SiLU without the convolution too (fla's convention); otherwise SiLU only follows the convolution.</summary>
    public bool SiluWithoutConv { get; init; }

    /// <summary>Whether β's projection (<c>beta_proj</c>) and the convolutions have biases (fla's have none).</summary>
    public bool Biases { get; init; } = true;

    /// <summary>How the decay α of the gated rules is computed from x.</summary>
    public DecayGate Decay { get; init; } = DecayGate.Sigmoid;

    /// <summary>The per-head output norm: layer norm (gain and bias) or RMS norm (gain only).</summary>
    public NormKind OutputNormKind { get; init; } = NormKind.LayerNorm;

    /// <summary>ε of the output norm.</summary>
    public float NormEps { get; init; } = 1e-5f;

    /// <summary>Whether the normalised output of each head is gated, o ⊙ SiLU(W_g x) (<c>g_proj</c>; fla's gated RMS norm).</summary>
    public bool OutputGate { get; init; }

    /// <summary>The usual settings of a rule: linear attention uses elu+1 with sum normalisation; the delta rules identity (after the conv's SiLU) with L2.</summary>
    public static FastWeightLayerOptions For(FastWeightRule rule, int heads) => new()
    {
        Rule = rule,
        Heads = heads,
        FeatureMap = rule.IsDelta() ? FeatureMap.Identity : FeatureMap.EluPlusOne,
        Normalization = rule.DefaultNormalization(),
    };
}

/// <summary>How a gated rule's decay α_t ∈ (0, 1) is computed from x_t, per head.</summary>
public enum DecayGate
{
    /// <summary>α = σ(w_α·x + b_α) (<c>alpha_proj</c> with a bias, initialised to <see cref="FastWeightLayerOptions.GateBias"/>).</summary>
    Sigmoid,

    /// <summary>
    /// α = exp(−e^{A_log} · softplus(w_α·x + dt_bias)) (Mamba-2's and Gated DeltaNet's discretisation; <c>alpha_proj</c>
    /// without a bias, <c>A_log</c> and <c>dt_bias</c> [H], initialised as fla: A ~ U(0, 16), dt log-uniform in [0.001, 0.1]).
    /// </summary>
    ExpSoftplus,
}
