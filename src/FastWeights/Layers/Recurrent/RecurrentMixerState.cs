namespace FastWeights.Layers.Recurrent;

/// <summary>The streaming state of a <see cref="RecurrentMixer"/>: its layer's state (for the fast-weights RNN, h(t) and A(t) per sequence).</summary>
internal sealed class RecurrentMixerState(RecurrentLayerState inner) : SequenceMixerState
{
    /// <summary>The layer's own state.</summary>
    public RecurrentLayerState Inner { get; } = inner;
}
