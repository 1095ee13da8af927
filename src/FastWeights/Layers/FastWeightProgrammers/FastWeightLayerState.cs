using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>
/// The streaming state of a <see cref="FastWeightProgrammerLayer"/> for a batch: the fast weights S [B, H, d_v, d_k] and,
/// with the short convolution, the last K − 1 projected q, k, v inputs [B, K − 1, H·d]. Its size does not grow with time.
/// </summary>
public sealed class FastWeightLayerState : SequenceMixerState
{
    internal FastWeightLayerState(Tensor fastWeights, Tensor? queryHistory, Tensor? keyHistory, Tensor? valueHistory)
    {
        FastWeights = fastWeights;
        QueryHistory = queryHistory;
        KeyHistory = keyHistory;
        ValueHistory = valueHistory;
    }

    /// <summary>The fast weights S, [B, H, d_v, d_k].</summary>
    public Tensor FastWeights { get; internal set; }

    /// <summary>The last K − 1 query projections before the convolution, or null without it.</summary>
    public Tensor? QueryHistory { get; internal set; }

    /// <summary>The last K − 1 key projections before the convolution, or null without it.</summary>
    public Tensor? KeyHistory { get; internal set; }

    /// <summary>The last K − 1 value projections before the convolution, or null without it.</summary>
    public Tensor? ValueHistory { get; internal set; }

    // Working buffers of the layer's fast step (made with the state, or on the first step).
    internal FastWeightStepScratch? Scratch { get; set; }
}
