using FastWeights.Layers.FastWeightRnn;

namespace FastWeights.Models;

/// <summary>The sizes of a <see cref="SequenceModel"/>.</summary>
public sealed record SequenceModelOptions
{
    /// <summary>Model size D.</summary>
    public int ModelDim { get; init; } = 64;

    /// <summary>Number of blocks.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Heads per mixer.</summary>
    public int Heads { get; init; } = 2;

    /// <summary>MLP hidden size as a multiple of D (0: no MLP).</summary>
    public int MlpRatio { get; init; } = 2;

    /// <summary>Whether fast-weight layers use the short causal convolution.</summary>
    public bool ShortConv { get; init; } = true;

    /// <summary>The conventions of the fast-weight layers and blocks (this library's or flash-linear-attention's).</summary>
    public LayerConventions Conventions { get; init; } = LayerConventions.FastWeights;

    /// <summary>Key size per head of fast-weight layers (0: D / heads).</summary>
    public int KeyDim { get; init; }

    /// <summary>Value size per head of fast-weight layers (0: D / heads).</summary>
    public int ValueDim { get; init; }

    /// <summary>MLP hidden units (0: from <see cref="MlpRatio"/>, see <see cref="MlpHidden"/>).</summary>
    public int MlpSize { get; init; }

    /// <summary>ε of every norm (0: the conventions' own, <see cref="LayerConventionsExtensions.DefaultNormEps"/>).</summary>
    public float NormEps { get; init; }

    /// <summary>The norms' ε in effect.</summary>
    public float Eps => NormEps > 0 ? NormEps : Conventions.DefaultNormEps();

    /// <summary>
    /// MLP hidden units in effect (0: no MLP): <see cref="MlpSize"/> when given; else r·D, or with fla's conventions
    /// fla's GatedMLP size ⌈⌊(2/3)·r·D⌋ / 256⌉ · 256 (fla/modules/mlp.py).
    /// </summary>
    public int MlpHidden => MlpSize > 0 ? MlpSize
        : Conventions == LayerConventions.Fla ? LayerConventionsExtensions.FlaMlpSize(ModelDim, MlpRatio)
        : MlpRatio * ModelDim;

    /// <summary>Learned absolute positions for up to this many tokens (0: none; the transformer needs them).</summary>
    public int MaxPositions { get; init; }

    /// <summary>Hidden units R of a wrapped recurrent layer (fw-rnn and the other recurrent models); 50 as in Ba et al. and <c>train --hidden</c>.</summary>
    public int RecurrentHidden { get; init; } = 50;

    /// <summary>Options of a wrapped recurrent layer (λ, η, inner steps, form of fw-rnn).</summary>
    public FastWeightRnnOptions Recurrent { get; init; } = new();
}
