using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Layers.Recurrent;

/// <summary>
/// A recurrent layer whose input projection and recurrent weights are one matrix each over all its gate blocks:
/// <c>input_weight</c> Wx [P, D], <c>input_bias</c> b [P] and <c>recurrent_weight</c> Wh [P, R], with P the width
/// of its fused op's pre-activations (4R for the LSTM, 3R for the GRU-LN, 9R/2 for the Associative LSTM). The
/// projection is U = x·Wxᵀ + b; the derived layer runs its fused recurrence over U with Wh.
/// </summary>
public abstract class ProjectedRecurrentLayer : RecurrentLayer
{
    /// <summary>Registers the three parameters, in this order (the checkpoint order).</summary>
    protected ProjectedRecurrentLayer(int hiddenSize, Tensor inputWeight, Tensor inputBias, Tensor recurrentWeight)
    {
        HiddenSize = hiddenSize;
        InputWeight = RegisterParameter("input_weight", inputWeight);
        InputBias = RegisterParameter("input_bias", inputBias);
        RecurrentWeight = RegisterParameter("recurrent_weight", recurrentWeight);
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
}
