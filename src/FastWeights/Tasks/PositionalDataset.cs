namespace FastWeights.Tasks;

/// <summary>
/// Equal-length token sequences with a target at every position (<see cref="IgnoreIndex"/> where there is none):
/// <see cref="Inputs"/> and <see cref="Targets"/> both hold <see cref="Count"/> × <see cref="Length"/> ids row by row.
/// </summary>
public sealed class PositionalDataset
{
    /// <summary>The target value of positions that carry no loss (the default ignore index of the cross-entropy).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>Creates a dataset over existing arrays (no copy).</summary>
    public PositionalDataset(int[] inputs, int[] targets, int length)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (length <= 0 || inputs.Length != targets.Length || inputs.Length % length != 0)
        {
            throw new ArgumentException($"{inputs.Length} input ids and {targets.Length} targets do not make sequences of length {length}.");
        }
        Inputs = inputs;
        Targets = targets;
        Length = length;
    }

    /// <summary>All input ids, sequence after sequence.</summary>
    public int[] Inputs { get; }

    /// <summary>All targets, aligned with <see cref="Inputs"/>.</summary>
    public int[] Targets { get; }

    /// <summary>Tokens per sequence.</summary>
    public int Length { get; }

    /// <summary>Number of sequences.</summary>
    public int Count => Inputs.Length / Length;

    /// <summary>The ids of sequence <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Sequence(int index) => Inputs.AsSpan(index * Length, Length);

    /// <summary>The targets of sequence <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> TargetsOf(int index) => Targets.AsSpan(index * Length, Length);

    /// <summary>Copies the sequences at <paramref name="indices"/> into a batch (ids and targets, both B×T).</summary>
    public void Gather(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            Sequence(indices[i]).CopyTo(inputs.Slice(i * Length, Length));
            TargetsOf(indices[i]).CopyTo(targets.Slice(i * Length, Length));
        }
    }

    /// <summary>A sequence-label dataset as a positional one: the label sits at the last position, the rest is ignored.</summary>
    public static PositionalDataset FromLastToken(SequenceDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var targets = new int[data.Inputs.Length];
        Array.Fill(targets, IgnoreIndex);
        for (int i = 0; i < data.Count; i++)
        {
            targets[(i * data.Length) + data.Length - 1] = data.Targets[i];
        }
        return new PositionalDataset(data.Inputs, targets, data.Length);
    }
}
