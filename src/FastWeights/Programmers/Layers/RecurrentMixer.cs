using FastWeights.Models;
using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Layers;

/// <summary>
/// A recurrent layer of the fast-weights RNN issue (for example <c>fw-rnn</c>) used as a token mixer: its hidden states
/// H [B, T, R] at every position, projected back to the model size by <c>out_proj</c>. Parameters <c>recurrent.*</c>, <c>out_proj.*</c>.
/// </summary>
public sealed class RecurrentMixer : SequenceMixer
{
    private readonly Linear outProj;

    /// <summary>Wraps the layer <paramref name="create"/> builds for input size <paramref name="modelDim"/>.</summary>
    public RecurrentMixer(Rng rng, int modelDim, Func<Rng, int, RecurrentLayer> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        ModelDim = modelDim;
        Recurrent = RegisterModule("recurrent", create(rng, modelDim));
        outProj = RegisterModule("out_proj", new Linear(rng, Recurrent.HiddenSize, modelDim));
    }

    /// <summary>The recurrent layer.</summary>
    public RecurrentLayer Recurrent { get; }

    /// <inheritdoc/>
    public override int ModelDim { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => outProj.Forward(Recurrent.Forward(x));
}
