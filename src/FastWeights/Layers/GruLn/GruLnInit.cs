using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.GruLn;

/// <summary>Initial parameter values of GRU-LN (see <see cref="RecurrentInit"/> for the choices).</summary>
public static class GruLnInit
{
    /// <summary>GRU-LN recurrent weights Wh [3R, R]: one orthogonal block per gate (r, z, n).</summary>
    public static Tensor GruLnRecurrentWeights(Rng rng, int hidden) => RecurrentInit.OrthogonalRows(rng, GruLnKernel.GateCount * hidden, hidden);

    /// <summary>GRU-LN bias b [3R] for U = x·Wxᵀ + b: zero (the layer-norm β does the shifting).</summary>
    public static Tensor GruLnBias(int hidden) => Tensor.Zeros(GruLnKernel.GateCount * hidden);

    /// <summary>GRU-LN layer-norm gains γ [3R]: ones.</summary>
    public static Tensor GruLnGain(int hidden) => Tensor.Full(1f, GruLnKernel.GateCount * hidden);

    /// <summary>GRU-LN layer-norm biases β [3R]: zeros.</summary>
    public static Tensor GruLnLayerNormBias(int hidden) => Tensor.Zeros(GruLnKernel.GateCount * hidden);
}
