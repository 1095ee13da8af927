using FastWeights.Layers.FastWeightRnn;

namespace FastWeights.Layers.Recurrent;

/// <summary>The streaming state of a <see cref="RecurrentMixer"/> around a <see cref="FastWeightRnnLayer"/>: h(t) and A(t) per sequence.</summary>
internal sealed class RecurrentMixerState(FastWeightRnnState inner) : SequenceMixerState
{
    /// <summary>The layer's own state.</summary>
    public FastWeightRnnState Inner { get; } = inner;
}
