using FastWeights.Autodiff;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.AssociativeLstm;

/// <summary>
/// Associative LSTM (Danihelka et al. 2016) with R/2 complex units as one fused op (<see cref="AssociativeLstmOp"/>).
/// Parameters: <c>input_weight</c> [P, D], <c>input_bias</c> [P], <c>recurrent_weight</c> [P, R], with P the
/// projection width of <see cref="AssociativeLstmKernel"/>. R must be even. Initialisation: <see cref="RecurrentInit"/>.
/// </summary>
public sealed class AssociativeLstmLayer : RecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public AssociativeLstmLayer(Rng rng, int inputSize, int hiddenSize)
    {
        if (hiddenSize % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "the Associative LSTM needs an even number of hidden units (R/2 complex units)");
        }
        HiddenSize = hiddenSize;
        int p = AssociativeLstmKernel.ProjectionWidth(hiddenSize);
        InputWeight = RegisterParameter("input_weight", RecurrentInit.InputWeights(rng, p, inputSize));
        InputBias = RegisterParameter("input_bias", RecurrentInit.AssociativeLstmBias(hiddenSize));
        RecurrentWeight = RegisterParameter("recurrent_weight", RecurrentInit.AssociativeLstmRecurrentWeights(rng, hiddenSize));
    }

    /// <inheritdoc />
    public override int HiddenSize { get; }

    /// <summary>Wx, [P, D].</summary>
    public Tensor InputWeight { get; }

    /// <summary>b, [P].</summary>
    public Tensor InputBias { get; }

    /// <summary>Wh, [P, R].</summary>
    public Tensor RecurrentWeight { get; }

    /// <inheritdoc />
    public override Tensor Project(Tensor x) => Ops.Linear(x, InputWeight, InputBias);

    /// <inheritdoc />
    public override Tensor Recur(Tensor u) => AssociativeLstmOp.Forward(u, RecurrentWeight);
}
