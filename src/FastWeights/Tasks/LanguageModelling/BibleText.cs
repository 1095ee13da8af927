using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using FastWeights.Training;

namespace FastWeights.Tasks.LanguageModelling;

/// <summary>
/// The King James Bible as one plain text file, the offline corpus of the language-modelling task: Debian's
/// <c>bible-kjv</c> package prints it with <c>bible -f "Gen1:1-Rev22:21"</c>, one verse per line after its reference
/// (<c>Ge1:1 In the beginning …</c>). The reference is stripped, so the file is the 31,102 verses, one per line, in
/// canonical order (about 4.3 MB of ASCII, public domain).
/// </summary>
public static class BibleText
{
    /// <summary>The passage range that prints the whole Bible.</summary>
    public const string WholeBible = "Gen1:1-Rev22:21";

    /// <summary>A verse line without its leading reference (the text up to the first space), or null for a line that is not a verse.</summary>
    public static string? Verse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !line.AsSpan(0, space).Contains(':'))
        {
            return null;
        }
        return line[(space + 1)..];
    }

    /// <summary>
    /// Runs <paramref name="program"/> (Debian's <c>bible</c>) and writes the verses to <paramref name="path"/>
    /// atomically; returns the number of verses and bytes written. Throws <see cref="ArgumentException"/> with a
    /// one-line message naming the package when the program is missing or fails.
    /// </summary>
    public static (int Verses, long Bytes) Write(string path, string program = "bible")
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(WholeBible);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ArgumentException($"'{program}' did not start");
        }
        catch (Win32Exception)
        {
            throw new ArgumentException($"'{program}' is not installed: install Debian's bible-kjv package (apt-get install bible-kjv)");
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            int verses = 0;
            var text = new StringBuilder(5_000_000);
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                if (Verse(line) is { } verse)
                {
                    text.Append(verse).Append('\n');
                    verses++;
                }
            }
            process.WaitForExit();
            if (process.ExitCode != 0 || verses == 0)
            {
                throw new ArgumentException($"'{program} -f {WholeBible}' failed (exit {process.ExitCode}{(verses == 0 ? ", no verses" : string.Empty)}): {errors.Result.Trim().ReplaceLineEndings(" ")}");
            }
            AtomicFile.WriteAllText(path, text.ToString());
            return (verses, Encoding.UTF8.GetByteCount(text.ToString()));
        }
    }
}
