using FastWeights.Autodiff;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.Lstm;

/// <summary>
/// LSTM (Hochreiter &amp; Schmidhuber 1997) as one fused op (<see cref="LstmOp"/>). Parameters: <c>input_weight</c>
/// [4R, D] and <c>input_bias</c> [4R] (gate order in <see cref="LstmKernel"/>), <c>recurrent_weight</c> [4R, R].
/// Initialisation: <see cref="RecurrentInit"/> (forget-gate bias 1, orthogonal recurrent blocks).
/// </summary>
public sealed class LstmLayer : RecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public LstmLayer(Rng rng, int inputSize, int hiddenSize)
    {
        HiddenSize = hiddenSize;
        InputWeight = RegisterParameter("input_weight", RecurrentInit.InputWeights(rng, LstmKernel.GateCount * hiddenSize, inputSize));
        InputBias = RegisterParameter("input_bias", RecurrentInit.LstmBias(hiddenSize));
        RecurrentWeight = RegisterParameter("recurrent_weight", RecurrentInit.LstmRecurrentWeights(rng, hiddenSize));
    }

    /// <inheritdoc />
    public override int HiddenSize { get; }

    /// <summary>Wx, [4R, D].</summary>
    public Tensor InputWeight { get; }

    /// <summary>b, [4R].</summary>
    public Tensor InputBias { get; }

    /// <summary>Wh, [4R, R].</summary>
    public Tensor RecurrentWeight { get; }

    /// <inheritdoc />
    public override Tensor Project(Tensor x) => Ops.Linear(x, InputWeight, InputBias);

    /// <inheritdoc />
    public override Tensor Recur(Tensor u) => LstmOp.Forward(u, RecurrentWeight);
}
