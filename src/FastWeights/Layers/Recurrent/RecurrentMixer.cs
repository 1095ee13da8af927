using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Layers.Recurrent;

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

    /// <summary>Whether the wrapped layer has a step-by-step form (<see cref="RecurrentLayer.SupportsStreaming"/>: the fast-weights RNN family).</summary>
    public override bool SupportsStreaming => Recurrent.SupportsStreaming;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => outProj.Forward(Recurrent.Forward(x));

    /// <summary>A zero state (h = 0, A = 0) for <paramref name="batch"/> sequences.</summary>
    /// <exception cref="NotSupportedException">The wrapped layer has no step-by-step form.</exception>
    public override SequenceMixerState CreateState(int batch) => new RecurrentMixerState(Recurrent.CreateStreamingState(batch));

    /// <summary>Consumes x_t [B, D] through the layer's <see cref="RecurrentLayer.Step"/>; returns W_o h(t) [B, D].</summary>
    public override Tensor Step(SequenceMixerState state, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(x);
        var layer = Recurrent;
        var s = state as RecurrentMixerState ?? throw new ArgumentException($"expected the state of a {nameof(RecurrentMixer)}, got {state.GetType().Name}", nameof(state));
        int b = s.Inner.Batch;
        if (x.Rank != 2 || x.Dim(0) != b || x.Dim(1) != ModelDim)
        {
            throw new ArgumentException($"x_t must be [{b}, {ModelDim}], got {ShapeUtil.Format(x.Shape)}.", nameof(x));
        }
        using var _ = Autodiff.Tape.NoGrad();
        var h = Tensor.Zeros(b, layer.HiddenSize);
        layer.Step(s.Inner, layer.Project(x).Span, h.Span);
        s.Position++;
        return outProj.Forward(h);
    }
}
