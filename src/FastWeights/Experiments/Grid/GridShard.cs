using System.Globalization;

namespace FastWeights.Experiments;

/// <summary>Shard <paramref name="Index"/> of <paramref name="Count"/> (0-based) of a grid: the cells whose plan index is Index mod Count.</summary>
public sealed record GridShard(int Index, int Count)
{
    /// <summary>Reads <c>I/N</c> (0 ≤ I &lt; N); throws <see cref="ArgumentException"/> with a one-line message.</summary>
    public static GridShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i < n)
        {
            return new GridShard(i, n);
        }
        throw new ArgumentException($"--shard '{text}' must be I/N with 0 ≤ I < N, for example 0/4 (the first of four parts)");
    }

    /// <summary>Whether the cell at <paramref name="planIndex"/> belongs to this shard.</summary>
    public bool Owns(int planIndex) => planIndex % Count == Index;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
