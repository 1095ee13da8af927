using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Layers;

/// <summary>A causal token mixer: maps x [B, T, D] to y [B, T, D], where y_t depends only on x_1 … x_t.</summary>
public abstract class SequenceMixer : Module
{
    /// <summary>Model size D (input and output).</summary>
    public abstract int ModelDim { get; }

    /// <summary>Mixes a whole sequence x [B, T, D] into y [B, T, D].</summary>
    public abstract Tensor Forward(Tensor x);
}
