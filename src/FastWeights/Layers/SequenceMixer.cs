using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Layers;

/// <summary>A causal token mixer: maps x [B, T, D] to y [B, T, D], where y_t depends only on x_1 … x_t.</summary>
public abstract class SequenceMixer : Module
{
    /// <summary>Model size D (input and output).</summary>
    public abstract int ModelDim { get; }

    /// <summary>Whether the mixer can run one token at a time (<see cref="CreateState"/>, <see cref="Step"/>).</summary>
    public virtual bool SupportsStreaming => false;

    /// <summary>Mixes a whole sequence x [B, T, D] into y [B, T, D].</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>
    /// Whether the mixer can run a whole segment from a carried state (<see cref="Forward(Tensor, SequenceMixerState)"/>):
    /// the fast weight programmers, whose ops take an initial state.
    /// </summary>
    public virtual bool CanCarryState => false;

    /// <summary>
    /// Mixes a segment x [B, T, D] that continues the sequences <paramref name="state"/> has read (made by
    /// <see cref="CreateState"/>), and leaves in <paramref name="state"/> what the next segment starts from: the state
    /// streaming the segment's tokens through <see cref="Step"/> would leave. The state enters as a constant, so the
    /// gradient stops at the segment boundary (truncated backpropagation through time).
    /// </summary>
    /// <exception cref="NotSupportedException">The mixer cannot carry a state (<see cref="CanCarryState"/> is false).</exception>
    public virtual Tensor Forward(Tensor x, SequenceMixerState state) => throw new NotSupportedException($"{GetType().Name} cannot carry a state from one segment to the next");

    /// <summary>The tensors of a carried state, by name, for a checkpoint (the state's buffers themselves: loading writes into them).</summary>
    public virtual IEnumerable<KeyValuePair<string, Tensor>> StateTensors(SequenceMixerState state) => [];

    /// <summary>A fresh streaming state for <paramref name="batch"/> sequences (nothing consumed yet).</summary>
    /// <exception cref="NotSupportedException">The mixer has no streaming form (<see cref="SupportsStreaming"/> is false).</exception>
    public virtual SequenceMixerState CreateState(int batch) => throw NotStreaming();

    /// <summary>
    /// Consumes one token per sequence, x_t [B, D], updating <paramref name="state"/> in place without recording
    /// gradients; returns y_t [B, D], the row t of <see cref="Forward(Tensor)"/> over the tokens so far (up to float rounding).
    /// </summary>
    /// <exception cref="NotSupportedException">The mixer has no streaming form (<see cref="SupportsStreaming"/> is false).</exception>
    public virtual Tensor Step(SequenceMixerState state, Tensor x) => throw NotStreaming();

    /// <summary>
    /// <see cref="Step"/> on flat buffers: reads x_t [B, D] from <paramref name="x"/> and writes y_t [B, D] into
    /// <paramref name="y"/> (which must not overlap x), updating <paramref name="state"/>. This default wraps x in a
    /// tensor and copies the result of <see cref="Step"/>; mixers with an allocation-free step override it.
    /// </summary>
    /// <exception cref="NotSupportedException">The mixer has no streaming form (<see cref="SupportsStreaming"/> is false).</exception>
    public virtual void StepInto(SequenceMixerState state, ReadOnlySpan<float> x, Span<float> y)
    {
        int d = ModelDim;
        Step(state, Tensor.FromArray(x.ToArray(), x.Length / d, d)).Span.CopyTo(y);
    }

    private NotSupportedException NotStreaming() => new($"{GetType().Name} cannot run one token at a time");
}
