using System.Globalization;
using System.Text;

namespace FastWeights.Tasks;

/// <summary>
/// The text form of MQAR sequences (<see cref="MultiQueryAssociativeRecallTask"/>): one sequence per line, its input
/// token ids separated by spaces (commas also accepted), for example <c>3 9 5 12 7 3? 1</c> with V = 16. A token
/// followed by <c>?</c> is a query: its answer is the token that followed the key's first occurrence
/// (<see cref="MarkedTargets"/>). A line without marks takes every key token (1 … V/2 − 1) that already occurred as a
/// query (<see cref="Targets"/>), which is exact for the <c>answered</c> layout and for hand-written sequences; files
/// this class writes mark every query.
/// </summary>
public static class MultiQueryAssociativeRecallText
{
    private static readonly char[] Separators = [' ', '\t', ','];

    /// <summary>Parses one sequence of token ids in [0, <paramref name="vocabulary"/>) (query marks are dropped); throws <see cref="FormatException"/> naming the first bad token.</summary>
    public static int[] Parse(string text, int vocabulary) => ParseMarked(text, vocabulary).Ids;

    /// <summary>Parses one sequence of token ids, with the positions of the tokens marked as queries by a trailing <c>?</c>.</summary>
    public static (int[] Ids, int[] Queries) ParseMarked(string text, int vocabulary)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("empty sequence: give token ids separated by spaces, for example \"3 9 5 12 0 3\"");
        }
        var ids = new int[parts.Length];
        var queries = new List<int>();
        for (int i = 0; i < parts.Length; i++)
        {
            string token = parts[i];
            if (token.EndsWith('?'))
            {
                token = token[..^1];
                queries.Add(i);
            }
            if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]) || ids[i] >= vocabulary)
            {
                throw new FormatException($"token '{parts[i]}' at position {i + 1} is not a token id between 0 and {vocabulary - 1} (a query may end with '?')");
            }
        }
        return (ids, [.. queries]);
    }

    /// <summary>
    /// The targets of a sequence with its queries marked: at each marked position, the token after the first occurrence
    /// of the key there; elsewhere <see cref="TokenDataset.IgnoreIndex"/>. Throws <see cref="FormatException"/> for a
    /// mark on a token that is not a key seen earlier.
    /// </summary>
    public static void MarkedTargets(ReadOnlySpan<int> ids, ReadOnlySpan<int> queries, int vocabulary, Span<int> targets)
    {
        targets.Fill(TokenDataset.IgnoreIndex);
        foreach (int q in queries)
        {
            int first = ids[..q].IndexOf(ids[q]);
            if (ids[q] < 1 || ids[q] >= vocabulary / 2 || first < 0 || first + 1 >= q)
            {
                throw new FormatException($"token {ids[q]} at position {q + 1} is marked as a query but is not a key (1 … {(vocabulary / 2) - 1}) that occurred earlier with a value after it");
            }
            targets[q] = ids[first + 1];
        }
    }

    /// <summary>A sequence with its targets as text: the ids, each query (a position with a target) marked by a trailing <c>?</c>.</summary>
    public static string FormatMarked(ReadOnlySpan<int> ids, ReadOnlySpan<int> targets)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(ids[i].ToString(CultureInfo.InvariantCulture));
            if (targets[i] != TokenDataset.IgnoreIndex)
            {
                sb.Append('?');
            }
        }
        return sb.ToString();
    }

    /// <summary>The ids as text, separated by single spaces.</summary>
    public static string Format(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(ids[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>
    /// Writes the targets of <paramref name="ids"/> into <paramref name="targets"/>: at a position holding a key
    /// (1 ≤ id &lt; V/2) seen before, the token after the key's first occurrence; elsewhere
    /// <see cref="TokenDataset.IgnoreIndex"/>. Returns the number of queries.
    /// </summary>
    public static int Targets(ReadOnlySpan<int> ids, int vocabulary, Span<int> targets)
    {
        if (targets.Length != ids.Length)
        {
            throw new ArgumentException($"{ids.Length} ids need {ids.Length} targets, got {targets.Length}", nameof(targets));
        }
        var first = new Dictionary<int, int>();
        int queries = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            targets[i] = TokenDataset.IgnoreIndex;
            if (id < 1 || id >= vocabulary / 2)
            {
                continue;
            }
            if (first.TryGetValue(id, out int at))
            {
                targets[i] = ids[at + 1];
                queries++;
            }
            else if (i + 1 < ids.Length)
            {
                first[id] = i;
            }
        }
        return queries;
    }

    /// <summary>Writes a dataset's input sequences, one line each ('\n' line ends).</summary>
    public static void Write(TokenDataset data, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(writer);
        for (int i = 0; i < data.Count; i++)
        {
            writer.Write(FormatMarked(data.Sequence(i), data.Targets.AsSpan(i * data.Length, data.Length)));
            writer.Write('\n');
        }
    }

    /// <summary>
    /// The longest line a data file of sequences of <paramref name="length"/> tokens may hold: four times that many
    /// tokens (longer sequences than trained on may be tested), each its digits, a query mark and a separator, and 256 characters to
    /// spare; a longer line is not a sequence of the task (see <see cref="TextDataFile"/>).
    /// </summary>
    public static int MaxLineLength(int length, int vocabulary)
    {
        int digits = (vocabulary - 1).ToString(CultureInfo.InvariantCulture).Length;
        return (int)Math.Min(Array.MaxLength, (4L * length * (digits + 2)) + 256);
    }

    /// <summary>
    /// Reads sequences written by <see cref="Write"/> (all of one length, <paramref name="length"/> when given, each with
    /// at least one query; blank lines skipped) with their targets from <see cref="Targets"/>, within the bounds of
    /// <see cref="TextDataFile"/> (lines of at most <paramref name="maxLineLength"/> characters, at most
    /// <paramref name="maxLines"/> lines, examples of at most <paramref name="maxBytes"/>). A malformed line throws
    /// <see cref="FormatException"/> giving <paramref name="source"/> and the line number.
    /// </summary>
    public static TokenDataset Read(TextReader reader, int vocabulary, string source = "input", int? length = null, int maxLineLength = int.MaxValue, double maxBytes = double.PositiveInfinity, int maxLines = TextDataFile.MaxLines)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var inputs = new List<int>();
        var targets = new List<int>();
        int seenLength = -1;
        foreach (var (lineNo, line) in TextDataFile.Lines(reader, source, maxLineLength, maxLines))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            int[] ids, t;
            try
            {
                (ids, t) = Example(line, vocabulary);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{source}:{lineNo}: {e.Message}", e);
            }
            if (length is { } expected && ids.Length != expected)
            {
                throw new FormatException($"{source}:{lineNo}: sequence has {ids.Length} tokens; this run's sequences have {expected} (--length)");
            }
            if (seenLength >= 0 && ids.Length != seenLength)
            {
                throw new FormatException($"{source}:{lineNo}: sequence has {ids.Length} tokens, earlier lines have {seenLength}");
            }
            seenLength = ids.Length;
            inputs.AddRange(ids);
            targets.AddRange(t);
            TextDataFile.CheckMemory(inputs.Count + targets.Count, maxBytes, source, lineNo);
        }
        if (seenLength < 0)
        {
            throw new FormatException($"{source}: no sequences");
        }
        return new TokenDataset([.. inputs], [.. targets], seenLength);
    }

    /// <summary>
    /// One sequence as users write it with its targets: the marked queries when the line marks any, else every repeated
    /// key. A sequence without a query scores nothing and is refused (<see cref="FormatException"/>).
    /// </summary>
    public static (int[] Ids, int[] Targets) Example(string text, int vocabulary)
    {
        var (ids, queries) = ParseMarked(text, vocabulary);
        var targets = new int[ids.Length];
        if (queries.Length > 0)
        {
            MarkedTargets(ids, queries, vocabulary, targets);
        }
        else if (Targets(ids, vocabulary, targets) == 0)
        {
            throw new FormatException($"no query (a query is a key token 1 … {(vocabulary / 2) - 1} that appeared earlier in its sequence, or a token marked with '?')");
        }
        return (ids, targets);
    }

    /// <summary>Writes a dataset to a text file (UTF-8).</summary>
    public static void WriteFile(TokenDataset data, string path)
    {
        Training.AtomicFile.WriteText(path, w => Write(data, w));
    }

    /// <summary>Reads a text file written by <see cref="WriteFile"/> (see <see cref="Read"/>).</summary>
    public static TokenDataset ReadFile(string path, int vocabulary, int? length = null, int maxLineLength = int.MaxValue, double maxBytes = double.PositiveInfinity)
    {
        using var r = new StreamReader(path, Encoding.UTF8);
        return Read(r, vocabulary, path, length, maxLineLength, maxBytes);
    }
}
