namespace FastWeights.Layers;

/// <summary>
/// What a <see cref="SequenceMixer"/> keeps between tokens when it runs one token at a time
/// (<see cref="SequenceMixer.CreateState"/>, <see cref="SequenceMixer.Step"/>) for a batch of sequences.
/// </summary>
public abstract class SequenceMixerState
{
    /// <summary>Tokens consumed so far.</summary>
    public int Position { get; internal set; }
}
