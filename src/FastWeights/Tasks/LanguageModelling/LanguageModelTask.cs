using System.Text;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Tasks.LanguageModelling;

/// <summary>
/// Language modelling of a text file (<c>--task lm --data FILE</c>), byte-level: every UTF-8 byte is a token
/// (vocabulary 256, so any file works), the model reads token i and predicts token i + 1 at every position. The file is
/// split 90/5/5 in file order (<see cref="TextSplits"/>); training draws <c>--train-size</c> windows of
/// <c>--context</c> T tokens at random offsets of the training split; validation and test are scored over all the
/// non-overlapping windows of their splits (<c>--validation-size</c> and <c>--test-size</c> do not apply). With carried
/// state (<c>--carry-state</c>) the training split too is its non-overlapping windows in text order, which the trainer
/// reads as consecutive segments (<see cref="Training.SegmentStreams"/>; <c>--train-size</c> does not apply). The loss is
/// in nats per byte; bits per byte = loss / ln 2.
/// </summary>
public sealed class LanguageModelTask : ISequenceTask
{
    /// <summary>Creates the task for the text at <paramref name="path"/> (read when the data are generated).</summary>
    public LanguageModelTask(string? path, int context, bool consecutiveTraining = false)
    {
        ConsecutiveTraining = consecutiveTraining;
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("--task lm needs --data FILE, the text to model");
        }
        if (context < 1)
        {
            throw new ArgumentException("--context must be at least 1");
        }
        Path = path;
        Length = context;
    }

    /// <summary>Whether the training split is its non-overlapping windows in text order (for carried state) rather than windows at random offsets.</summary>
    public bool ConsecutiveTraining { get; }

    /// <summary>The text file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public string Name => "lm";

    /// <summary>256: one token per byte value.</summary>
    public int Vocabulary => 256;

    /// <inheritdoc/>
    public int Classes => 256;

    /// <summary>The context T.</summary>
    public int Length { get; }

    /// <inheritdoc/>
    public TargetLayout Targets => TargetLayout.EveryPosition;

    /// <inheritdoc/>
    public string ScoredName => "bytes";

    /// <inheritdoc/>
    public string AccuracyName => "next-byte accuracy";

    /// <summary>Bits per byte (the loss in nats / ln 2) and perplexity per byte.</summary>
    public IEnumerable<(string Key, double Value)> Measures(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [("bits_per_byte", result.Loss / Math.Log(2)), ("perplexity", Math.Exp(result.Loss))];
    }

    /// <inheritdoc/>
    public DataSplits Generate(ulong seed, int train, int validation, int test)
    {
        var splits = TextSplits.Read(Path, Length);
        var rng = new Rng(seed);
        return new DataSplits(
            ConsecutiveTraining ? TextSplits.Windows(splits.Train.Span, Length) : TextSplits.RandomWindows(splits.Train.Span, Length, train, rng),
            TextSplits.Windows(splits.Validation.Span, Length),
            TextSplits.Windows(splits.Test.Span, Length));
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];
    }

    /// <summary>Targets: the next byte at every position but the last.</summary>
    public int DeriveTargets(ReadOnlySpan<int> ids, Span<int> targets)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            targets[i] = i + 1 < ids.Length ? ids[i + 1] : TokenDataset.IgnoreIndex;
        }
        return Math.Max(0, ids.Length - 1);
    }

    /// <summary>The bytes as UTF-8 text (invalid sequences become U+FFFD).</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new byte[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            bytes[i] = (byte)ids[i];
        }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Writes the text a split's windows cover, as raw bytes (what <see cref="ReadTextFile"/> reads back).</summary>
    public void WriteTextFile(TokenDataset data, string path)
    {
        ArgumentNullException.ThrowIfNull(data);
        AtomicFile.Write(path, stream =>
        {
            for (int i = 0; i < data.Count; i++)
            {
                foreach (int id in data.Sequence(i))
                {
                    stream.WriteByte((byte)id);
                }
            }
            if (data.Count > 0)
            {
                stream.WriteByte((byte)data.TargetsOf(data.Count - 1)[^1]);
            }
        });
    }

    /// <summary>The whole of another text file as non-overlapping windows (for <c>test --data OTHER.txt</c>).</summary>
    public TokenDataset ReadTextFile(string path, double maxBytes = double.PositiveInfinity)
    {
        long length = new FileInfo(path).Length;
        // Every byte becomes an input and a target id: 8 bytes of memory per byte of text.
        if (length > TextSplits.MaxBytes || length * 8.0 > maxBytes)
        {
            throw new FormatException($"{path}: {length} bytes make {length * 8.0 / 1e9:F1} GB of windows, more than this run may use (at most {Math.Min(TextSplits.MaxBytes, maxBytes / 8) / 1e9:F2} GB of text)");
        }
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Length + 1)
        {
            throw new FormatException($"{path}: {bytes.Length} bytes, fewer than one window of --context {Length} + 1");
        }
        return TextSplits.Windows(bytes, Length);
    }
}
