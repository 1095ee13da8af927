namespace FastWeights.Training;

/// <summary>
/// Consecutive windows of a split laid out as B parallel streams for carried state (<c>--carry-state</c>): stream b reads
/// windows b·P, b·P + 1, …, b·P + P − 1 of the split in order, so each window continues the text of the one before it
/// in its stream. Training uses P = ⌊W / B⌋ for W windows (every stream as long, the last W mod B windows unused) and
/// starts every stream over, from a zero state, every P steps, and every R steps within them when a horizon R is given.
/// Evaluation uses P = ⌈W / B⌉ so that every window is read once; positions past the end of the split are padding
/// (<see cref="Window"/> returns −1).
/// </summary>
public sealed class SegmentStreams
{
    /// <summary>Lays out <paramref name="windows"/> windows as <paramref name="streams"/> streams (fewer when there are fewer windows).</summary>
    /// <param name="windows">Windows W in the split, in text order.</param>
    /// <param name="streams">Streams B.</param>
    /// <param name="coverAll">Whether every window is read (evaluation: P = ⌈W / B⌉) or every stream is as long (training: P = ⌊W / B⌋).</param>
    /// <param name="horizon">At most how many windows a state is carried over before it starts again from zero (training: the
    /// evaluation streams' length, so that training sees the horizons scoring does); null: the whole stream.</param>
    public SegmentStreams(int windows, int streams, bool coverAll, int? horizon = null)
    {
        if (horizon is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "a horizon is at least one window");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streams);
        if (!coverAll && windows < streams)
        {
            throw new ArgumentException($"carried state needs a window per stream: the split has {windows} windows of the context, fewer than the {streams} streams (--batch); use a longer text, a smaller --context or a smaller --batch");
        }
        Windows = windows;
        Streams = coverAll ? Math.Min(streams, windows) : streams;
        PerStream = coverAll ? (windows + Streams - 1) / Streams : windows / Streams;
        Horizon = Math.Min(horizon ?? PerStream, PerStream);
    }

    /// <summary>Windows a state is carried over at most before the streams start over (at most <see cref="PerStream"/>).</summary>
    public int Horizon { get; }

    /// <summary>Windows W of the split.</summary>
    public int Windows { get; }

    /// <summary>Streams B.</summary>
    public int Streams { get; }

    /// <summary>Windows P per stream.</summary>
    public int PerStream { get; }

    /// <summary>The window stream <paramref name="stream"/> reads at its position <paramref name="position"/> (taken modulo P), or −1 past the end of the split.</summary>
    public int Window(int stream, long position)
    {
        long w = ((long)stream * PerStream) + (position % PerStream);
        return w < Windows ? (int)w : -1;
    }

    /// <summary>Whether the streams start over from a zero state at <paramref name="position"/>: at the start of their P windows and every <see cref="Horizon"/> windows after it.</summary>
    public bool StartsOver(long position) => position % PerStream % Horizon == 0;
}
