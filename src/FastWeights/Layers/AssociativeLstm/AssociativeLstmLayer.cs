using FastWeights.Layers.Lstm;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.AssociativeLstm;

/// <summary>
/// Associative LSTM (Danihelka et al. 2016) with R/2 complex units as one fused op (<see cref="AssociativeLstmOp"/>).
/// Parameters: <c>input_weight</c> [P, D], <c>input_bias</c> [P], <c>recurrent_weight</c> [P, R], with P the
/// projection width of <see cref="AssociativeLstmKernel"/>. R must be even. Initialisation: <see cref="RecurrentInit"/>.
/// </summary>
public sealed class AssociativeLstmLayer : ProjectedRecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public AssociativeLstmLayer(Rng rng, int inputSize, int hiddenSize)
        : base(
            EvenHiddenSize(hiddenSize),
            RecurrentInit.InputWeights(rng, AssociativeLstmKernel.ProjectionWidth(hiddenSize), inputSize),
            AssociativeLstmInit.AssociativeLstmBias(hiddenSize),
            AssociativeLstmInit.AssociativeLstmRecurrentWeights(rng, hiddenSize))
    {
    }

    /// <inheritdoc />
    public override Tensor Recur(Tensor u) => AssociativeLstmOp.Forward(u, RecurrentWeight);

    // Checked before any parameter is drawn.
    private static int EvenHiddenSize(int hiddenSize) => hiddenSize % 2 != 0
        ? throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "the Associative LSTM needs an even number of hidden units (R/2 complex units)")
        : hiddenSize;
}
