namespace FastWeights.Tasks;

/// <summary>
/// A set of equal-length token sequences, each with one class label: <see cref="Inputs"/> holds
/// <see cref="Count"/> × <see cref="Length"/> ids row by row.
/// </summary>
public sealed class SequenceDataset
{
    /// <summary>Creates a dataset over existing arrays (no copy).</summary>
    public SequenceDataset(int[] inputs, int[] targets, int length)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (length <= 0 || inputs.Length != targets.Length * length)
        {
            throw new ArgumentException($"{inputs.Length} input ids do not make {targets.Length} sequences of length {length}.");
        }
        Inputs = inputs;
        Targets = targets;
        Length = length;
    }

    /// <summary>All input ids, sequence after sequence.</summary>
    public int[] Inputs { get; }

    /// <summary>One label per sequence.</summary>
    public int[] Targets { get; }

    /// <summary>Tokens per sequence.</summary>
    public int Length { get; }

    /// <summary>Number of sequences.</summary>
    public int Count => Targets.Length;

    /// <summary>The ids of sequence <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Sequence(int index) => Inputs.AsSpan(index * Length, Length);

    /// <summary>Copies the sequences at <paramref name="indices"/> into a batch (ids B×T and labels B).</summary>
    public void Gather(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            Sequence(indices[i]).CopyTo(inputs.Slice(i * Length, Length));
            targets[i] = Targets[indices[i]];
        }
    }
}
