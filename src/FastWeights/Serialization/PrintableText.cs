using System.Globalization;
using System.Text;

namespace FastWeights.Serialization;

/// <summary>
/// Text safe to print on a terminal: values that come from files or arguments may hold escape sequences (ESC [ …),
/// other control characters or bidirectional overrides that would rewrite what the user sees. They are shown as
/// <c>\uXXXX</c> instead.
/// </summary>
public static class PrintableText
{
    /// <summary>Whether <paramref name="c"/> is shown escaped: a control character (C0, DEL, C1) or a bidirectional embedding, override or isolate.</summary>
    public static bool NeedsEscape(char c) => char.IsControl(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary><paramref name="text"/> with every character that <see cref="NeedsEscape"/> written as <c>\uXXXX</c>.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(NeedsEscape))
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (NeedsEscape(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>A message as one printable line: line breaks become spaces, then <see cref="Escape"/>.</summary>
    public static string OneLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Escape(message.ReplaceLineEndings(" "));
    }
}
