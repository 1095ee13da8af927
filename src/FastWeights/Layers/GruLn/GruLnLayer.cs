using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.GruLn;

/// <summary>
/// GRU with layer normalisation (Ba, Kiros &amp; Hinton 2016) as one fused op (<see cref="GruLnOp"/>). Parameters:
/// <c>input_weight</c> [3R, D], <c>input_bias</c> [3R], <c>recurrent_weight</c> [3R, R], <c>ln_gain</c> and
/// <c>ln_bias</c> [3R] (where layer norm sits: see <see cref="GruLnKernel"/>). Initialisation: <see cref="RecurrentInit"/>.
/// </summary>
public sealed class GruLnLayer : ProjectedRecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public GruLnLayer(Rng rng, int inputSize, int hiddenSize)
        : base(
            hiddenSize,
            RecurrentInit.InputWeights(rng, GruLnKernel.GateCount * hiddenSize, inputSize),
            GruLnInit.GruLnBias(hiddenSize),
            GruLnInit.GruLnRecurrentWeights(rng, hiddenSize))
    {
        Gain = RegisterParameter("ln_gain", GruLnInit.GruLnGain(hiddenSize));
        Bias = RegisterParameter("ln_bias", GruLnInit.GruLnLayerNormBias(hiddenSize));
    }

    /// <summary>Layer-norm gains, [3R].</summary>
    public Tensor Gain { get; }

    /// <summary>Layer-norm biases, [3R].</summary>
    public Tensor Bias { get; }

    /// <inheritdoc />
    public override Tensor Recur(Tensor u) => GruLnOp.Forward(u, RecurrentWeight, Gain, Bias);
}
