using System.Text;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Tasks.LanguageModelling;

/// <summary>
/// Language modelling of a text file (<c>--task lm --data FILE</c>): the model reads token i and predicts token i + 1
/// at every position. Tokens (<c>--tokenizer</c>, <see cref="TextTokenizers"/>) are UTF-8 bytes by default (vocabulary
/// 256, so any file works), the characters of the training split, or GPT-2's BPE. The file is split 90/5/5 by bytes in
/// file order (<see cref="TextSplits"/>), each split tokenized on its own; training draws <c>--train-size</c> windows of
/// <c>--context</c> T tokens at random offsets of the training split; validation and test are scored over all the
/// non-overlapping windows of their splits (<c>--validation-size</c> and <c>--test-size</c> do not apply). With carried
/// state (<c>--carry-state</c>) the training split too is its non-overlapping windows in text order, which the trainer
/// reads as consecutive segments (<see cref="Training.SegmentStreams"/>; <c>--train-size</c> does not apply). The loss
/// is in nats per token; bits per byte = the loss summed over the scored tokens / ln 2 / the bytes they stand for, so it
/// compares across tokenizers.
/// </summary>
public sealed class LanguageModelTask : ISequenceTask
{
    private readonly Lazy<TextSplits> splits;
    private readonly Lazy<ITextTokenizer> tokenizer;

    /// <summary>Creates the task for the text at <paramref name="path"/> (read when the data or the tokenizer's vocabulary are needed).</summary>
    public LanguageModelTask(string? path, int context, bool consecutiveTraining = false, string tokenizer = "byte")
    {
        // A run without a text (an imported model) can encode, predict and generate, but not read splits.
        if (string.IsNullOrWhiteSpace(path) && (tokenizer == "char" || !tokenizer.StartsWith(TextTokenizers.HuggingFacePrefix, StringComparison.Ordinal)))
        {
            throw new ArgumentException("--task lm needs --data FILE, the text to model");
        }
        if (context < 1)
        {
            throw new ArgumentException("--context must be at least 1");
        }
        TextTokenizers.Check(tokenizer);
        ConsecutiveTraining = consecutiveTraining;
        Path = path ?? string.Empty;
        Length = context;
        TokenizerName = tokenizer;
        splits = new(() => TextSplits.Read(string.IsNullOrWhiteSpace(Path) ? throw new ArgumentException("this run has no text of its own (it was imported): give one with --data FILE") : Path, Length));
        this.tokenizer = new(() => TextTokenizers.Create(tokenizer, () => splits.Value.Train));
    }

    /// <summary>Whether the training split is its non-overlapping windows in text order (for carried state) rather than windows at random offsets.</summary>
    public bool ConsecutiveTraining { get; }

    /// <summary>The text file.</summary>
    public string Path { get; }

    /// <summary>The tokenizer's name (<c>--tokenizer</c>).</summary>
    public string TokenizerName { get; }

    /// <summary>The tokenizer (the char vocabulary is built from the training split when first needed).</summary>
    public ITextTokenizer Tokenizer => tokenizer.Value;

    /// <inheritdoc/>
    public string Name => "lm";

    /// <summary>The tokenizer's vocabulary (256 for bytes).</summary>
    public int Vocabulary => Tokenizer.Vocabulary;

    /// <inheritdoc/>
    public int Classes => Vocabulary;

    /// <summary>The context T.</summary>
    public int Length { get; }

    /// <inheritdoc/>
    public TargetLayout Targets => TargetLayout.EveryPosition;

    /// <inheritdoc/>
    public string ScoredName => "tokens";

    /// <inheritdoc/>
    public string AccuracyName => "next-token accuracy";

    /// <summary>Bits per byte and perplexity per token, taking every token as one byte (use the overload with the data for other tokenizers).</summary>
    public IEnumerable<(string Key, double Value)> Measures(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [("bits_per_byte", result.Loss / Math.Log(2)), ("perplexity", Math.Exp(result.Loss))];
    }

    /// <summary>
    /// Bits per byte (the loss summed over the scored tokens, in bits, over the bytes of text they stand for), perplexity
    /// per token, and with the char tokenizer the number of scored characters outside the vocabulary.
    /// </summary>
    public IEnumerable<(string Key, double Value)> Measures(EvaluationResult result, TokenDataset data)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(data);
        double bytes = data.TargetBytes is { } b && b > 0 ? b : result.Count;
        var measures = new List<(string, double)> { ("bits_per_byte", result.Loss * result.Count / bytes / Math.Log(2)), ("perplexity", Math.Exp(result.Loss)) };
        if (TokenizerName == "char")
        {
            measures.Add(("unknown_characters", data.Targets.Count(t => t != TokenDataset.IgnoreIndex && Tokenizer.IsUnknown(t))));
        }
        return measures;
    }

    /// <inheritdoc/>
    public DataSplits Generate(ulong seed, int train, int validation, int test)
    {
        var text = splits.Value;
        var rng = new Rng(seed);
        var (trainIds, trainBytes) = Tokens(text.Train.Span, "training");
        return new DataSplits(
            ConsecutiveTraining ? TextSplits.Windows(trainIds, trainBytes, Length) : TextSplits.RandomWindows(trainIds, Length, train, rng),
            Windows(text.Validation.Span, "validation"),
            Windows(text.Test.Span, "test"));
    }

    // The tokens of a split, refused when they make no window of the context.
    private (int[] Ids, int[] Bytes) Tokens(ReadOnlySpan<byte> text, string split)
    {
        var tokens = Tokenizer.Encode(text);
        if (tokens.Ids.Length < Length + 1)
        {
            throw new ArgumentException($"--data '{Path}': its {split} split is {tokens.Ids.Length} {TokenizerName} tokens, fewer than one window of --context {Length} + 1; use a longer text or a smaller --context");
        }
        return tokens;
    }

    private TokenDataset Windows(ReadOnlySpan<byte> text, string split)
    {
        var (ids, bytes) = Tokens(text, split);
        return TextSplits.Windows(ids, bytes, Length);
    }

    /// <summary>The tokens of <paramref name="text"/>; with the char tokenizer a character outside the vocabulary is a <see cref="FormatException"/> naming it.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (ids, _) = Tokenizer.Encode(Encoding.UTF8.GetBytes(text));
        if (Tokenizer is CharTokenizer chars)
        {
            foreach (var rune in text.EnumerateRunes())
            {
                if (chars.Find(rune) is null)
                {
                    throw new FormatException($"'{Serialization.PrintableText.Escape(rune.ToString())}' (U+{rune.Value:X4}) is not in the run's character vocabulary ({chars.Vocabulary - 1} characters of its training text)");
                }
            }
        }
        return ids;
    }

    /// <summary>Targets: the next token at every position but the last.</summary>
    public int DeriveTargets(ReadOnlySpan<int> ids, Span<int> targets)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            targets[i] = i + 1 < ids.Length ? ids[i + 1] : TokenDataset.IgnoreIndex;
        }
        return Math.Max(0, ids.Length - 1);
    }

    /// <summary>The UTF-8 bytes of the tokens, as text (invalid sequences become U+FFFD).</summary>
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(Bytes(ids));

    /// <summary>The UTF-8 bytes the tokens write.</summary>
    public byte[] Bytes(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)Vocabulary)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside the vocabulary [0, {Vocabulary})");
            }
            bytes.AddRange(Tokenizer.Bytes(id));
        }
        return [.. bytes];
    }

    /// <summary>Writes the text a split's windows cover (what <see cref="ReadTextFile"/> reads back).</summary>
    public void WriteTextFile(TokenDataset data, string path)
    {
        ArgumentNullException.ThrowIfNull(data);
        AtomicFile.Write(path, stream =>
        {
            for (int i = 0; i < data.Count; i++)
            {
                stream.Write(Bytes(data.Sequence(i)));
            }
            if (data.Count > 0)
            {
                stream.Write(Bytes([data.TargetsOf(data.Count - 1)[^1]]));
            }
        });
    }

    /// <summary>The whole of another text file as non-overlapping windows of the run's tokens (for <c>test --data OTHER.txt</c>).</summary>
    public TokenDataset ReadTextFile(string path, double maxBytes = double.PositiveInfinity)
    {
        long length = new FileInfo(path).Length;
        // Every byte becomes at most an input and a target id and its byte count: 16 bytes of memory per byte of text.
        if (length > TextSplits.MaxBytes || length * 16.0 > maxBytes)
        {
            throw new FormatException($"{path}: {length} bytes make {length * 16.0 / 1e9:F1} GB of windows, more than this run may use (at most {Math.Min(TextSplits.MaxBytes, maxBytes / 16) / 1e9:F2} GB of text)");
        }
        var (ids, bytes) = Tokenizer.Encode(File.ReadAllBytes(path));
        if (ids.Length < Length + 1)
        {
            throw new FormatException($"{path}: {ids.Length} {TokenizerName} tokens, fewer than one window of --context {Length} + 1");
        }
        return TextSplits.Windows(ids, bytes, Length);
    }
}
