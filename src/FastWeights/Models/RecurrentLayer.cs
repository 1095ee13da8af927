using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>A recurrent layer that maps a whole input sequence x [B, T, D] to its hidden states H [B, T, R].</summary>
public abstract class RecurrentLayer : Module
{
    /// <summary>Number of hidden units R.</summary>
    public abstract int HiddenSize { get; }

    /// <summary>Runs the layer over the sequence; the state starts at zero for every sequence.</summary>
    public abstract Tensor Forward(Tensor x);
}
