using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.Lstm;

/// <summary>Initial parameter values of the LSTM (see <see cref="RecurrentInit"/> for the choices).</summary>
public static class LstmInit
{
    /// <summary>LSTM recurrent weights Wh [4R, R]: one orthogonal block per gate (i, f, g, o).</summary>
    public static Tensor LstmRecurrentWeights(Rng rng, int hidden) => RecurrentInit.OrthogonalRows(rng, LstmKernel.GateCount * hidden, hidden);

    /// <summary>LSTM bias b [4R] for U = x·Wxᵀ + b: 1 on the forget-gate block, 0 elsewhere.</summary>
    public static Tensor LstmBias(int hidden)
    {
        var b = Tensor.Zeros(LstmKernel.GateCount * hidden);
        b.Span.Slice(hidden, hidden).Fill(1f);
        return b;
    }
}
