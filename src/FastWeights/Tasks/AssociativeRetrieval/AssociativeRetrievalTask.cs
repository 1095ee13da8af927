using System.Globalization;
using System.Text;
using FastWeights.Tensors;

namespace FastWeights.Tasks;

/// <summary>
/// The associative retrieval task of Ba et al. 2016, §4.1: K key–value pairs (distinct lowercase keys,
/// digit values), then "??", then one of the keys; the answer is that key's value.
/// Example (K = 4): <c>c9k8j3f1??c</c> → 9. Sequences have length 2K + 3.
/// </summary>
public sealed class AssociativeRetrievalTask : ISequenceTask
{
    /// <summary>Creates the task with <paramref name="pairs"/> key–value pairs per sequence (1 to 26); throws <see cref="ArgumentException"/> naming the option otherwise.</summary>
    public AssociativeRetrievalTask(int pairs = 4)
    {
        if (pairs is < 1 or > 26)
        {
            throw new ArgumentException("--pairs must be between 1 and 26");
        }
        Pairs = pairs;
    }

    /// <summary>Key–value pairs per sequence (K).</summary>
    public int Pairs { get; }

    /// <summary>Tokens per sequence: 2K + 3.</summary>
    public int Length => (2 * Pairs) + 3;

    /// <inheritdoc/>
    public string Name => "assoc";

    /// <inheritdoc/>
    public int Vocabulary => AssociativeRetrievalVocabulary.Size;

    /// <inheritdoc/>
    public int Classes => AssociativeRetrievalVocabulary.Classes;

    /// <inheritdoc/>
    public TargetLayout Targets => TargetLayout.OnePerSequence;

    /// <inheritdoc/>
    public string ScoredName => "examples";

    /// <inheritdoc/>
    public string AccuracyName => "accuracy";

    /// <summary>
    /// The ids of a well-formed sequence of any K (see <see cref="Parse"/>): a recurrent model reads other lengths than it
    /// was trained on, which is worth trying.
    /// </summary>
    public int[] Encode(string text) => Parse(text);

    /// <summary>What every sequence of the task looks like, for error messages.</summary>
    public const string Form = "K letter-digit pairs with K different letters, then ?? and one of those letters, for example c9k8j3f1??c";

    /// <summary>
    /// The ids of <paramref name="text"/>, which must be K ≥ 1 pairs of a letter and a digit with K different letters,
    /// then <c>??</c>, then one of the letters; throws <see cref="FormatException"/> saying what is wrong otherwise.
    /// </summary>
    public static int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = AssociativeRetrievalVocabulary.Encode(text);
        if (Problem(ids) is { } problem)
        {
            throw new FormatException($"\"{text}\" is not an assoc sequence ({problem}); expected {Form}");
        }
        return ids;
    }

    /// <summary>
    /// The answer of a well-formed sequence (the value of the queried key); throws <see cref="FormatException"/>
    /// saying what is wrong with <paramref name="ids"/> otherwise.
    /// </summary>
    public static int Answer(ReadOnlySpan<int> ids)
    {
        if (Problem(ids) is { } problem)
        {
            throw new FormatException($"not an assoc sequence ({problem}); expected {Form}");
        }
        int last = ids.Length - 1;
        for (int i = 0; ; i += 2)
        {
            if (ids[i] == ids[last])
            {
                return ids[i + 1] - AssociativeRetrievalVocabulary.FirstDigit;
            }
        }
    }

    // What makes ids no sequence of the task, or null: the shape, then repeated keys, then a query that is no key.
    private static string? Problem(ReadOnlySpan<int> ids)
    {
        if (ids.Length < 5 || ids.Length % 2 == 0)
        {
            return $"it has {ids.Length} symbols; a sequence of K pairs has 2K + 3";
        }
        int pairs = (ids.Length - 3) / 2;
        static bool IsLetter(int id) => id is >= 0 and < AssociativeRetrievalVocabulary.FirstDigit;
        static bool IsDigit(int id) => id is >= AssociativeRetrievalVocabulary.FirstDigit and < AssociativeRetrievalVocabulary.Query;
        static string At(ReadOnlySpan<int> ids, int i, string expected) =>
            $"'{AssociativeRetrievalVocabulary.SymbolOf(ids[i])}' at position {i + 1} where {expected} belongs";
        Span<bool> seen = stackalloc bool[AssociativeRetrievalVocabulary.FirstDigit];
        for (int i = 0; i < pairs; i++)
        {
            if (!IsLetter(ids[2 * i]))
            {
                return At(ids, 2 * i, "a key letter");
            }
            if (!IsDigit(ids[(2 * i) + 1]))
            {
                return At(ids, (2 * i) + 1, "a value digit");
            }
        }
        for (int i = 2 * pairs; i < (2 * pairs) + 2; i++)
        {
            if (ids[i] != AssociativeRetrievalVocabulary.Query)
            {
                return At(ids, i, "'?'");
            }
        }
        int query = ids[^1];
        if (!IsLetter(query))
        {
            return At(ids, ids.Length - 1, "the query letter");
        }
        for (int i = 0; i < pairs; i++)
        {
            if (seen[ids[2 * i]])
            {
                return $"key '{AssociativeRetrievalVocabulary.SymbolOf(ids[2 * i])}' appears twice";
            }
            seen[ids[2 * i]] = true;
        }
        return seen[query] ? null : $"the query '{AssociativeRetrievalVocabulary.SymbolOf(query)}' is none of the keys";
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids) => AssociativeRetrievalVocabulary.Decode(ids);

    /// <summary>The answer sits at the last position: the digit after the query key's occurrence among the pairs (none if the key is not there).</summary>
    public int DeriveTargets(ReadOnlySpan<int> ids, Span<int> targets)
    {
        targets.Fill(TokenDataset.IgnoreIndex);
        int last = ids.Length - 1;
        for (int i = 0; i + 1 < last; i += 2)
        {
            int value = ids[i + 1] - AssociativeRetrievalVocabulary.FirstDigit;
            if (ids[i] == ids[last] && value is >= 0 and < 10)
            {
                targets[last] = value;
                return 1;
            }
        }
        return 0;
    }

    /// <inheritdoc/>
    void ISequenceTask.WriteTextFile(TokenDataset data, string path) => WriteTextFile(data, path);

    /// <inheritdoc/>
    TokenDataset ISequenceTask.ReadTextFile(string path, double maxBytes) => ReadTextFile(path, Pairs, maxBytes);

    /// <summary>Draws one example: ids into <paramref name="ids"/> (length <see cref="Length"/>); returns the answer digit.</summary>
    public int Sample(Rng rng, Span<int> ids)
    {
        Span<int> keys = stackalloc int[26];
        for (int i = 0; i < 26; i++)
        {
            keys[i] = i;
        }
        // Partial Fisher–Yates: the first K entries become K distinct random letters.
        for (int i = 0; i < Pairs; i++)
        {
            int j = i + rng.NextInt(26 - i);
            (keys[i], keys[j]) = (keys[j], keys[i]);
        }
        Span<int> values = stackalloc int[Pairs];
        for (int i = 0; i < Pairs; i++)
        {
            values[i] = rng.NextInt(10);
            ids[2 * i] = keys[i];
            ids[(2 * i) + 1] = AssociativeRetrievalVocabulary.FirstDigit + values[i];
        }
        ids[2 * Pairs] = AssociativeRetrievalVocabulary.Query;
        ids[(2 * Pairs) + 1] = AssociativeRetrievalVocabulary.Query;
        int q = rng.NextInt(Pairs);
        ids[(2 * Pairs) + 2] = keys[q];
        return values[q];
    }

    /// <summary>
    /// Generates the train, validation and test splits from one seed. Sequences of the validation and test
    /// splits never occur in the training split (and the test split shares none with validation).
    /// </summary>
    public DataSplits Generate(ulong seed, int train = 100_000, int validation = 10_000, int test = 20_000)
    {
        var rng = new Rng(seed);
        var seen = new HashSet<string>();
        var trainSet = Make(rng, train, seen, unique: false);
        foreach (var s in EnumerateStrings(trainSet))
        {
            seen.Add(s);
        }
        var validationSet = Make(rng, validation, seen, unique: true);
        var testSet = Make(rng, test, seen, unique: true);
        return new DataSplits(trainSet, validationSet, testSet);
    }

    private TokenDataset Make(Rng rng, int count, HashSet<string> exclude, bool unique)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var inputs = new int[count * Length];
        var targets = new int[count];
        int made = 0;
        long attempts = 0;
        while (made < count)
        {
            if (++attempts > (100L * count) + 1000)
            {
                throw new InvalidOperationException($"Could not draw {count} distinct sequences with K = {Pairs}: too few exist.");
            }
            var ids = inputs.AsSpan(made * Length, Length);
            int answer = Sample(rng, ids);
            if (unique && !exclude.Add(AssociativeRetrievalVocabulary.Decode(ids)))
            {
                continue;
            }
            targets[made++] = answer;
        }
        return new TokenDataset(inputs, targets, Length);
    }

    private static IEnumerable<string> EnumerateStrings(TokenDataset d)
    {
        for (int i = 0; i < d.Count; i++)
        {
            yield return AssociativeRetrievalVocabulary.Decode(d.Sequence(i));
        }
    }

    /// <summary>Writes a split as text, one <c>sequence&lt;TAB&gt;answer</c> per line.</summary>
    public static void WriteText(TokenDataset data, TextWriter writer)
    {
        for (int i = 0; i < data.Count; i++)
        {
            writer.Write(AssociativeRetrievalVocabulary.Decode(data.Sequence(i)));
            writer.Write('\t');
            writer.Write(data.Targets[i].ToString(CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }

    /// <summary>
    /// The longest line of a data file: the longest sequence (K = 26 pairs, 55 symbols), a tab and the answer, with room
    /// to spare; a longer line is not an example (see <see cref="TextDataFile"/>).
    /// </summary>
    public const int MaxLineLength = 128;

    /// <summary>
    /// Reads a split written by <see cref="WriteText"/>: every line a well-formed sequence (see <see cref="Parse"/>), all of
    /// one length (2 × <paramref name="pairs"/> + 3 when <paramref name="pairs"/> is given), and its answer the value of
    /// the queried key; within the bounds of <see cref="TextDataFile"/> (lines of at most <see cref="MaxLineLength"/>
    /// characters, at most <paramref name="maxLines"/> lines, examples of at most <paramref name="maxBytes"/>). A
    /// malformed line throws <see cref="FormatException"/> whose message gives the line number; blank lines are skipped.
    /// </summary>
    public static TokenDataset ReadText(TextReader reader, string source = "input", int? pairs = null, double maxBytes = double.PositiveInfinity, int maxLines = TextDataFile.MaxLines)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var inputs = new List<int>();
        var targets = new List<int>();
        int length = -1;
        foreach (var (lineNo, line) in TextDataFile.Lines(reader, source, MaxLineLength, maxLines))
        {
            if (line.Length == 0)
            {
                continue;
            }
            int tab = line.IndexOf('\t');
            if (tab < 0 || line.IndexOf('\t', tab + 1) >= 0)
            {
                throw new FormatException($"{source}:{lineNo}: expected 'sequence<TAB>answer'");
            }
            string seq = line[..tab];
            string ans = line[(tab + 1)..];
            if (ans.Length != 1 || ans[0] is < '0' or > '9')
            {
                throw new FormatException($"{source}:{lineNo}: answer '{ans}' is not a single digit");
            }
            if (seq.Length == 0)
            {
                throw new FormatException($"{source}:{lineNo}: empty sequence");
            }
            // Symbols first (the message quotes the line), then the length, then the form.
            int[] ids;
            try
            {
                ids = AssociativeRetrievalVocabulary.Encode(seq);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{source}:{lineNo}: {e.Message}", e);
            }
            if (pairs is { } k && seq.Length != (2 * k) + 3)
            {
                throw new FormatException($"{source}:{lineNo}: sequence has length {seq.Length}; with K = {k} pairs a sequence has {(2 * k) + 3} ({Form})");
            }
            if (length >= 0 && seq.Length != length)
            {
                throw new FormatException($"{source}:{lineNo}: sequence has length {seq.Length}, earlier lines have {length}");
            }
            length = seq.Length;
            int value;
            try
            {
                value = Answer(ids);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{source}:{lineNo}: \"{seq}\" is {e.Message}", e);
            }
            if (ans[0] - '0' != value)
            {
                throw new FormatException($"{source}:{lineNo}: answer {ans} is not the value of the query key '{seq[^1]}' ({value})");
            }
            inputs.AddRange(ids);
            targets.Add(ans[0] - '0');
            TextDataFile.CheckMemory(inputs.Count + targets.Count, maxBytes, source, lineNo);
        }
        if (targets.Count == 0)
        {
            throw new FormatException($"{source}: no examples");
        }
        return new TokenDataset([.. inputs], [.. targets], length);
    }

    /// <summary>Writes a split to a text file (UTF-8, '\n' line ends).</summary>
    public static void WriteTextFile(TokenDataset data, string path)
    {
        Training.AtomicFile.WriteText(path, w => WriteText(data, w));
    }

    /// <summary>Reads a split from a text file (see <see cref="ReadText"/>).</summary>
    public static TokenDataset ReadTextFile(string path, int? pairs = null, double maxBytes = double.PositiveInfinity)
    {
        using var r = new StreamReader(path, Encoding.UTF8);
        return ReadText(r, path, pairs, maxBytes);
    }
}
