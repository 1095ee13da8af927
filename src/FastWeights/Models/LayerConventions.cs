using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Nn;

namespace FastWeights.Models;

/// <summary>
/// Two sets of conventions for the same fast weight programmer (docs/checkpoints.md): this library's, and
/// flash-linear-attention's (fla), so that a model trained by either runs here. They differ only in settings of the
/// layers and blocks, never in the rule.
/// </summary>
public enum LayerConventions
{
    /// <summary>Layer norms (gain and bias, ε 1e-5), ReLU MLP with biases, q unscaled, β = σ(w_β·x + b), α = σ(w_α·x + b), head with bias.</summary>
    FastWeights,

    /// <summary>
    /// fla's: RMS norms (gain only, ε 1e-6), SwiGLU MLP, q·d_k^−½, SiLU on q, k, v with or without the convolution,
    /// convolutions and β without bias, Gated DeltaNet's α = exp(−e^A_log · softplus(a_proj·x + dt_bias)) and gated
    /// output norm (g_proj), head without bias.
    /// </summary>
    Fla,
}

/// <summary>What each <see cref="LayerConventions"/> means for the blocks.</summary>
public static class LayerConventionsExtensions
{
    /// <summary>The norms' ε: 1e-5 (PyTorch's LayerNorm) or 1e-6 (fla's norm_eps).</summary>
    public static float DefaultNormEps(this LayerConventions c) => c == LayerConventions.Fla ? 1e-6f : 1e-5f;

    /// <summary>fla's GatedMLP size for model size <paramref name="d"/> and hidden ratio <paramref name="ratio"/>: ⌈⌊(2/3)·ratio·D⌋ / 256⌉ · 256 (fla/modules/mlp.py).</summary>
    public static int FlaMlpSize(int d, double ratio) => 256 * (((int)(d * ratio * 2.0 / 3.0) + 255) / 256);

    /// <summary>The blocks' and the final norm.</summary>
    public static NormKind Norm(this LayerConventions c) => c == LayerConventions.Fla ? NormKind.RmsNorm : NormKind.LayerNorm;

    /// <summary>The blocks' feed-forward network.</summary>
    public static FeedForwardKind FeedForward(this LayerConventions c) => c == LayerConventions.Fla ? FeedForwardKind.SwiGlu : FeedForwardKind.Relu;

    /// <summary>
    /// The fast-weight layer of <paramref name="rule"/> the model options describe: the rule's usual feature map and
    /// normalisation, the heads, sizes and short convolution, and the conventions' variants (fla's: q·d_k^−½, SiLU
    /// without the convolution, no biases, RMS output norm; for the gated rules the exp-softplus decay and the output gate).
    /// </summary>
    public static FastWeightLayerOptions LayerOptions(this SequenceModelOptions o, FastWeightRule rule)
    {
        ArgumentNullException.ThrowIfNull(o);
        var layer = FastWeightLayerOptions.For(rule, o.Heads) with
        {
            ShortConv = o.ShortConv,
            KeyDim = o.KeyDim,
            ValueDim = o.ValueDim,
            NormEps = o.Eps,
        };
        return o.Conventions != LayerConventions.Fla ? layer : layer with
        {
            ScaleQuery = true,
            SiluWithoutConv = true,
            Biases = false,
            OutputNormKind = NormKind.RmsNorm,
            Decay = DecayGate.ExpSoftplus,
            OutputGate = rule == FastWeightRule.GatedDelta,
        };
    }
}
