using FastWeights.Layers;

namespace FastWeights.Models;

/// <summary>
/// The streaming state of a <see cref="SequenceModel"/> for a batch of sequences (<see cref="SequenceModel.CreateState"/>):
/// one <see cref="SequenceMixerState"/> per block and the number of tokens consumed.
/// </summary>
public sealed class SequenceModelState
{
    internal SequenceModelState(int batch, SequenceMixerState[] mixers)
    {
        Batch = batch;
        Mixers = mixers;
    }

    /// <summary>Sequences B.</summary>
    public int Batch { get; }

    /// <summary>Tokens consumed so far (per sequence).</summary>
    public int Position { get; internal set; }

    /// <summary>The state of each block's mixer, in block order.</summary>
    public IReadOnlyList<SequenceMixerState> Mixers { get; }

    // Working buffers of the model's fast step (made with the state).
    internal SequenceModelStepScratch? Scratch { get; set; }
}
