namespace FastWeights.Tasks;

/// <summary>
/// The one dataset type of every task: <see cref="Count"/> token sequences of equal <see cref="Length"/>, their ids
/// row by row in <see cref="Inputs"/>, and their targets in <see cref="Targets"/> in one of two layouts
/// (<see cref="Layout"/>): one answer per sequence (read at the last position, as the associative retrieval task of
/// Ba et al. scores it), or a target at every position with <see cref="IgnoreIndex"/> where there is none (MQAR's
/// query positions, a language model's every position).
/// </summary>
public sealed class TokenDataset
{
    /// <summary>The target value of positions that carry no loss (the default ignore index of the cross-entropy).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>
    /// Creates a dataset over existing arrays (no copy): <paramref name="targets"/> holds one answer per sequence
    /// (inputs.Length / length values) or one target per position (inputs.Length values).
    /// </summary>
    public TokenDataset(int[] inputs, int[] targets, int length)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (length <= 0 || inputs.Length % length != 0 || (targets.Length != inputs.Length && (long)targets.Length * length != inputs.Length))
        {
            throw new ArgumentException($"{inputs.Length} input ids and {targets.Length} targets do not make sequences of length {length}.");
        }
        Inputs = inputs;
        Targets = targets;
        Length = length;
        Layout = targets.Length == inputs.Length ? TargetLayout.EveryPosition : TargetLayout.OnePerSequence;
    }

    /// <summary>All input ids, sequence after sequence.</summary>
    public int[] Inputs { get; }

    /// <summary>All targets: one per sequence, or one per position aligned with <see cref="Inputs"/>.</summary>
    public int[] Targets { get; }

    /// <summary>Tokens per sequence.</summary>
    public int Length { get; }

    /// <summary>How <see cref="Targets"/> is laid out.</summary>
    public TargetLayout Layout { get; }

    /// <summary>Targets per sequence: 1 or <see cref="Length"/>.</summary>
    public int TargetsPerSequence => Layout == TargetLayout.OnePerSequence ? 1 : Length;

    /// <summary>Number of sequences.</summary>
    public int Count => Inputs.Length / Length;

    /// <summary>The ids of sequence <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Sequence(int index) => Inputs.AsSpan(index * Length, Length);

    /// <summary>The targets of sequence <paramref name="index"/> (one value, or one per position).</summary>
    public ReadOnlySpan<int> TargetsOf(int index) => Targets.AsSpan(index * TargetsPerSequence, TargetsPerSequence);

    /// <summary>Copies the sequences at <paramref name="indices"/> into a batch: ids B×T and targets B (or B×T).</summary>
    public void Gather(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets)
    {
        int width = TargetsPerSequence;
        for (int i = 0; i < indices.Length; i++)
        {
            Sequence(indices[i]).CopyTo(inputs.Slice(i * Length, Length));
            TargetsOf(indices[i]).CopyTo(targets.Slice(i * width, width));
        }
    }

    /// <summary>
    /// The UTF-8 bytes of text the scored targets stand for, when the data is text (language modelling: a token may
    /// stand for several bytes), so that losses per token convert to bits per byte; null otherwise.
    /// </summary>
    public long? TargetBytes { get; init; }

    /// <summary>
    /// The same sequences with a target at every position: a one-answer-per-sequence dataset gets its answer at the
    /// last position and the ignore index elsewhere; a per-position dataset is returned as it is.
    /// </summary>
    public TokenDataset AtEveryPosition()
    {
        if (Layout == TargetLayout.EveryPosition)
        {
            return this;
        }
        var targets = new int[Inputs.Length];
        Array.Fill(targets, IgnoreIndex);
        for (int i = 0; i < Count; i++)
        {
            targets[(i * Length) + Length - 1] = Targets[i];
        }
        return new TokenDataset(Inputs, targets, Length);
    }

    /// <summary>Number of targets that are not the ignore index.</summary>
    public static int CountScored(ReadOnlySpan<int> targets)
    {
        int n = 0;
        foreach (int t in targets)
        {
            if (t != IgnoreIndex)
            {
                n++;
            }
        }
        return n;
    }
}
