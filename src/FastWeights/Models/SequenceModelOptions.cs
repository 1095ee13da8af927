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

    /// <summary>Learned absolute positions for up to this many tokens (0: none; the transformer needs them).</summary>
    public int MaxPositions { get; init; }

    /// <summary>Hidden units R of a wrapped recurrent layer (fw-rnn and the other recurrent models); 50 as in Ba et al. and <c>train --hidden</c>.</summary>
    public int RecurrentHidden { get; init; } = 50;

    /// <summary>Options of a wrapped recurrent layer (λ, η, inner steps, form of fw-rnn).</summary>
    public FastWeightRnnOptions Recurrent { get; init; } = new();
}
