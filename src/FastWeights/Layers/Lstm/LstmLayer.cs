using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.Lstm;

/// <summary>
/// LSTM (Hochreiter &amp; Schmidhuber 1997) as one fused op (<see cref="LstmOp"/>). Parameters: <c>input_weight</c>
/// [4R, D] and <c>input_bias</c> [4R] (gate order in <see cref="LstmKernel"/>), <c>recurrent_weight</c> [4R, R].
/// Initialisation: <see cref="RecurrentInit"/> (forget-gate bias 1, orthogonal recurrent blocks).
/// </summary>
public sealed class LstmLayer : ProjectedRecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public LstmLayer(Rng rng, int inputSize, int hiddenSize)
        : base(
            hiddenSize,
            RecurrentInit.InputWeights(rng, LstmKernel.GateCount * hiddenSize, inputSize),
            LstmInit.LstmBias(hiddenSize),
            LstmInit.LstmRecurrentWeights(rng, hiddenSize))
    {
    }

    /// <inheritdoc />
    public override Tensor Recur(Tensor u) => LstmOp.Forward(u, RecurrentWeight);
}
