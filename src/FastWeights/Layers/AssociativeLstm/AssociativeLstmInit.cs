using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.AssociativeLstm;

/// <summary>Initial parameter values of the Associative LSTM (see <see cref="RecurrentInit"/> for the choices).</summary>
public static class AssociativeLstmInit
{
    /// <summary>Associative LSTM recurrent weights Wh [9R/2, R]: rows of stacked orthogonal blocks.</summary>
    public static Tensor AssociativeLstmRecurrentWeights(Rng rng, int hidden) => RecurrentInit.OrthogonalRows(rng, AssociativeLstmKernel.ProjectionWidth(hidden), hidden);

    /// <summary>Associative LSTM bias b [9R/2] for U = x·Wxᵀ + b: 1 on the forget-gate block ĝ_f (first R/2), 0 elsewhere.</summary>
    public static Tensor AssociativeLstmBias(int hidden)
    {
        var b = Tensor.Zeros(AssociativeLstmKernel.ProjectionWidth(hidden));
        b.Span[..(hidden / 2)].Fill(1f);
        return b;
    }
}
