namespace FastWeights.Tasks;

/// <summary>
/// A task over token sequences, as a plug-in: its sizes, how its data is made and split, what is scored, and its text
/// form. Implementations live in a folder of their own (for example <c>Tasks/AssociativeRetrieval</c>) and are listed by
/// one line in <see cref="TaskCatalog"/>; training, evaluation and every command work through this interface only.
/// </summary>
public interface ISequenceTask
{
    /// <summary>The name users type (<c>--task</c>).</summary>
    string Name { get; }

    /// <summary>Input token ids lie in [0, Vocabulary).</summary>
    int Vocabulary { get; }

    /// <summary>Output classes of a prediction.</summary>
    int Classes { get; }

    /// <summary>Tokens per sequence.</summary>
    int Length { get; }

    /// <summary>What is scored: one answer per sequence (at the last position) or targets at some or all positions.</summary>
    TargetLayout Targets { get; }

    /// <summary>The shape of the images an example's tokens are (grey levels, row-major), or null when they are not an image.</summary>
    ImageShape? Image => null;

    /// <summary>What one scored target is called in messages ("examples", "queries").</summary>
    string ScoredName { get; }

    /// <summary>What the accuracy over those targets is called ("accuracy", "query accuracy").</summary>
    string AccuracyName { get; }

    /// <summary>Measures of a result on <paramref name="data"/> beyond loss and accuracy (for a language model: bits per byte, perplexity), named in snake_case.</summary>
    IEnumerable<(string Key, double Value)> Measures(Training.EvaluationResult result, TokenDataset data) => [];

    /// <summary>Generates the train, validation and test splits from one seed, deterministically.</summary>
    DataSplits Generate(ulong seed, int train, int validation, int test);

    /// <summary>Parses one sequence as users write it (for example <c>c9k8j3f1??c</c>); throws <see cref="FormatException"/> with a one-line message.</summary>
    int[] Encode(string text);

    /// <summary>Writes the task's targets of <paramref name="ids"/> into <paramref name="targets"/> (one per position, the ignore index where none); returns how many are scored.</summary>
    int DeriveTargets(ReadOnlySpan<int> ids, Span<int> targets);

    /// <summary>
    /// Parses one sequence as users write it, with its targets: by default <see cref="Encode"/> and
    /// <see cref="DeriveTargets"/>; a task whose text marks its targets (MQAR's <c>?</c>) reads them from the text.
    /// Throws <see cref="FormatException"/> with a one-line message, also for a sequence with nothing to score.
    /// </summary>
    (int[] Ids, int[] Targets) EncodeExample(string text)
    {
        var ids = Encode(text);
        var targets = new int[ids.Length];
        return DeriveTargets(ids, targets) > 0 ? (ids, targets) : throw new FormatException($"\"{text}\" has nothing to score");
    }

    /// <summary>A sequence in the form <see cref="Encode"/> reads.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>Writes a split as text, in the form <see cref="ReadTextFile"/> reads.</summary>
    void WriteTextFile(TokenDataset data, string path);

    /// <summary>
    /// Reads a split from a text file, streamed within the bounds of <see cref="TextDataFile"/> (a line at most the task's
    /// longest, at most <see cref="TextDataFile.MaxLines"/> lines, the examples at most <paramref name="maxBytes"/>); a
    /// malformed line throws <see cref="FormatException"/> naming the file and line, examples beyond
    /// <paramref name="maxBytes"/> <see cref="ArgumentException"/>.
    /// </summary>
    TokenDataset ReadTextFile(string path, double maxBytes = double.PositiveInfinity);
}
