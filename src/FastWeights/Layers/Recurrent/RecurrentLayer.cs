using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Layers.Recurrent;

/// <summary>
/// A recurrent layer that maps a whole input sequence x [B, T, D] to its hidden states H [B, T, R], in two parts:
/// the input projection U = x·Wxᵀ + b (<see cref="Project"/>, position-wise) and the recurrence over U
/// (<see cref="Recur"/>, one fused op). Splitting them lets a network project an embedding table once instead of
/// every token: (E[ids])·Wxᵀ = (E·Wxᵀ)[ids].
/// </summary>
public abstract class RecurrentLayer : Module
{
    /// <summary>Number of hidden units R.</summary>
    public abstract int HiddenSize { get; }

    /// <summary>The input projection of each position, [..., D] → [..., P].</summary>
    public abstract Tensor Project(Tensor x);

    /// <summary>Runs the recurrence over projected inputs U [B, T, P]; the state starts at zero for every sequence.</summary>
    public abstract Tensor Recur(Tensor u);

    /// <summary>Runs the layer over the sequence x [B, T, D].</summary>
    public Tensor Forward(Tensor x) => Recur(Project(x));

    /// <summary>Whether the layer can run one token at a time (<see cref="CreateStreamingState"/>, <see cref="Step"/>).</summary>
    public virtual bool SupportsStreaming => false;

    /// <summary>A zero state for step-by-step inference over <paramref name="batch"/> streams.</summary>
    /// <exception cref="NotSupportedException">The layer has no step-by-step form (see <see cref="SupportsStreaming"/>).</exception>
    public virtual RecurrentLayerState CreateStreamingState(int batch) => throw NotStreaming();

    /// <summary>
    /// One step of the recurrence without gradients: from the projected inputs of every stream ([B, P], see
    /// <see cref="Project"/>) computes h(t+1) into <paramref name="output"/> ([B, R]) and updates <paramref name="state"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The layer has no step-by-step form (see <see cref="SupportsStreaming"/>).</exception>
    public virtual void Step(RecurrentLayerState state, ReadOnlySpan<float> projectedInput, Span<float> output) => throw NotStreaming();

    private NotSupportedException NotStreaming() =>
        new($"{GetType().Name} cannot run one token at a time (the fast-weights RNN family and the LSTM can)");
}
