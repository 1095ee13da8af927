using System.Globalization;
using System.Text;

namespace FastWeights.Tasks;

/// <summary>
/// Streams the text form of a split (what <c>data export</c> writes and <c>test --data</c> reads) within bounds, so that a
/// file that is not one (a device such as <c>/dev/zero</c>, a binary file, an endless stream) fails at its first bad
/// line instead of being read into memory whole: a line holds at most the task's maximum line length (its sequence
/// length and a margin), a file at most <see cref="MaxLines"/> lines, and the examples read may take at most the memory
/// the caller allows. Lines end with <c>\n</c>, <c>\r\n</c> or <c>\r</c>, as <see cref="TextReader.ReadLine"/> reads them.
/// </summary>
public static class TextDataFile
{
    /// <summary>The most lines (blank ones included) a data file may hold: 10 million.</summary>
    public const int MaxLines = 10_000_000;

    private const double Gigabyte = 1024d * 1024 * 1024;

    /// <summary>
    /// The lines of <paramref name="reader"/> with their numbers (from 1). A line longer than
    /// <paramref name="maxLineLength"/> characters, or a line beyond <paramref name="maxLines"/>, throws
    /// <see cref="FormatException"/> naming <paramref name="source"/> and the line, after reading at most that much of it.
    /// </summary>
    public static IEnumerable<(int Number, string Text)> Lines(TextReader reader, string source, int maxLineLength, int maxLines = MaxLines)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLines);
        return Read(reader, source, maxLineLength, maxLines);
    }

    private static IEnumerable<(int Number, string Text)> Read(TextReader reader, string source, int maxLineLength, int maxLines)
    {
        var line = new StringBuilder();
        var buffer = new char[8192];
        int number = 0, read;
        bool pending = false, afterCarriageReturn = false;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (int i = 0; i < read; i++)
            {
                char c = buffer[i];
                if (c == '\n' && afterCarriageReturn)
                {
                    afterCarriageReturn = false;
                    continue;
                }
                afterCarriageReturn = c == '\r';
                if (c is '\n' or '\r')
                {
                    yield return (Count(ref number, source, maxLines), line.ToString());
                    line.Clear();
                    pending = false;
                    continue;
                }
                if (line.Length == maxLineLength)
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{source}:{number + 1}: line longer than {maxLineLength:N0} characters; not a data file of this task"));
                }
                line.Append(c);
                pending = true;
            }
        }
        if (pending)
        {
            yield return (Count(ref number, source, maxLines), line.ToString());
        }
    }

    private static int Count(ref int number, string source, int maxLines) => ++number <= maxLines
        ? number
        : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{source}:{number}: more than {maxLines:N0} lines; a data file holds at most {maxLines:N0}"));

    /// <summary>
    /// Throws when the examples read so far, <paramref name="values"/> ids and targets kept in growing lists, exceed
    /// <paramref name="maxBytes"/>: lists hold up to twice their count, and the dataset made from them one copy more.
    /// </summary>
    /// <exception cref="ArgumentException">They do not fit; the message names the line.</exception>
    public static void CheckMemory(long values, double maxBytes, string source, int line)
    {
        double bytes = 3d * sizeof(int) * values;
        if (bytes > maxBytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{source}:{line}: the examples up to this line need about {bytes / Gigabyte:0.0##} GB, more than the {Math.Max(maxBytes, 0) / Gigabyte:0.0##} GB left for them; evaluate a smaller file (or raise the run's max_memory_gb)"));
        }
    }
}
