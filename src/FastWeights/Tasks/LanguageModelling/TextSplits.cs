namespace FastWeights.Tasks.LanguageModelling;

/// <summary>
/// A text file as byte tokens (UTF-8 bytes, vocabulary 256), cut into three contiguous splits in file order: the first
/// 90% for training, the next 5% for validation, the last 5% for testing. A split's windows of T tokens read token i
/// and predict token i + 1, so a split of n tokens holds (n − 1) / T non-overlapping windows.
/// </summary>
public sealed class TextSplits
{
    /// <summary>Largest file read (the whole file is held in memory as tokens).</summary>
    public const long MaxBytes = 1L << 30;

    private TextSplits(byte[] bytes, int validationStart, int testStart)
    {
        Bytes = bytes;
        ValidationStart = validationStart;
        TestStart = testStart;
    }

    /// <summary>The whole file.</summary>
    public byte[] Bytes { get; }

    /// <summary>Offset of the validation split (90% of the file).</summary>
    public int ValidationStart { get; }

    /// <summary>Offset of the test split (95% of the file).</summary>
    public int TestStart { get; }

    /// <summary>The training split.</summary>
    public ReadOnlyMemory<byte> Train => Bytes.AsMemory(0, ValidationStart);

    /// <summary>The validation split.</summary>
    public ReadOnlyMemory<byte> Validation => Bytes.AsMemory(ValidationStart, TestStart - ValidationStart);

    /// <summary>The test split.</summary>
    public ReadOnlyMemory<byte> Test => Bytes.AsMemory(TestStart);

    /// <summary>
    /// Reads <paramref name="path"/> and splits it; throws <see cref="ArgumentException"/> or <see cref="FileNotFoundException"/>
    /// with one line when the file is missing, unreadable, empty, too large, or too short for one window of
    /// <paramref name="context"/> tokens in each split.
    /// </summary>
    public static TextSplits Read(string path, int context)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("--task lm needs --data FILE, the text to model");
        }
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"--data '{path}' is a directory, not a text file");
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--data '{path}' does not exist");
        }
        long length = new FileInfo(path).Length;
        if (length > MaxBytes)
        {
            throw new ArgumentException($"--data '{path}' has {length} bytes; at most {MaxBytes} are read");
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ArgumentException($"--data '{path}' cannot be read ({e.Message})", e);
        }
        if (bytes.Length == 0)
        {
            throw new ArgumentException($"--data '{path}' is empty");
        }
        int validationStart = (int)(bytes.Length * 0.90);
        int testStart = (int)(bytes.Length * 0.95);
        int shortest = Math.Min(testStart - validationStart, bytes.Length - testStart);
        if (shortest < context + 1)
        {
            long needed = (long)Math.Ceiling((context + 1) / 0.05) + 1;
            throw new ArgumentException($"--data '{path}' has {bytes.Length} bytes: its 5% validation and test splits ({shortest} bytes) are shorter than one window of --context {context} + 1 tokens; use a text of at least {needed} bytes or a smaller --context");
        }
        return new TextSplits(bytes, validationStart, testStart);
    }

    /// <summary>Non-overlapping windows over byte tokens <paramref name="text"/>: inputs x[kT … kT+T), targets x[kT+1 … kT+T].</summary>
    public static TokenDataset Windows(ReadOnlySpan<byte> text, int context)
    {
        var (ids, bytes) = new ByteTokenizer().Encode(text);
        return Windows(ids, bytes, context);
    }

    /// <summary>
    /// Non-overlapping windows over the tokens <paramref name="ids"/>: inputs x[kT … kT+T), targets x[kT+1 … kT+T];
    /// <see cref="TokenDataset.TargetBytes"/> sums the bytes (<paramref name="bytes"/>, per token) the targets stand for.
    /// </summary>
    public static TokenDataset Windows(ReadOnlySpan<int> ids, ReadOnlySpan<int> bytes, int context)
    {
        int count = Math.Max(0, (ids.Length - 1) / context);
        var inputs = new int[count * context];
        var targets = new int[count * context];
        long targetBytes = 0;
        for (int k = 0; k < count; k++)
        {
            for (int i = 0; i < context; i++)
            {
                inputs[(k * context) + i] = ids[(k * context) + i];
                targets[(k * context) + i] = ids[(k * context) + i + 1];
                targetBytes += bytes[(k * context) + i + 1];
            }
        }
        return new TokenDataset(inputs, targets, context) { TargetBytes = targetBytes };
    }

    /// <summary><paramref name="count"/> windows of <paramref name="context"/> byte tokens at offsets drawn uniformly from <paramref name="rng"/>.</summary>
    public static TokenDataset RandomWindows(ReadOnlySpan<byte> text, int context, int count, Tensors.Rng rng) =>
        RandomWindows(new ByteTokenizer().Encode(text).Ids, context, count, rng);

    /// <summary><paramref name="count"/> windows of <paramref name="context"/> tokens at offsets drawn uniformly from <paramref name="rng"/>.</summary>
    public static TokenDataset RandomWindows(ReadOnlySpan<int> ids, int context, int count, Tensors.Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int offsets = ids.Length - context; // the last window's target is ids[^1]
        var inputs = new int[(long)count * context];
        var targets = new int[(long)count * context];
        for (int k = 0; k < count; k++)
        {
            int o = rng.NextInt(offsets);
            for (int i = 0; i < context; i++)
            {
                inputs[(k * context) + i] = ids[o + i];
                targets[(k * context) + i] = ids[o + i + 1];
            }
        }
        return new TokenDataset(inputs, targets, context);
    }
}
