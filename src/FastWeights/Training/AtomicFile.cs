using System.Globalization;

namespace FastWeights.Training;

/// <summary>Writes a file atomically: a temporary file in the same directory, flushed, then renamed over the target.</summary>
public static class AtomicFile
{
    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="text"/> (UTF-8).</summary>
    public static void WriteAllText(string path, string text) => WriteText(path, w => w.Write(text));

    /// <summary>Atomically replaces <paramref name="path"/> with the UTF-8 text <paramref name="write"/> writes (a full disk leaves the old file or none, never a partial one).</summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            write(w);
        });
    }

    /// <summary>
    /// Atomically replaces <paramref name="path"/> with the file <paramref name="writeTo"/> writes at the temporary path it
    /// is given (for writers that take a path, such as ScottPlot's SavePng; the temporary keeps the extension).
    /// </summary>
    public static void WriteVia(string path, Action<string> writeTo)
    {
        ArgumentNullException.ThrowIfNull(writeTo);
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileNameWithoutExtension(full) + "." + Environment.ProcessId + ".tmp" + Path.GetExtension(full));
        Replace(full, tmp, t =>
        {
            writeTo(t);
            using var fs = new FileStream(t, FileMode.Open, FileAccess.ReadWrite);
            fs.Flush(flushToDisk: true);
        });
    }

    /// <summary>Atomically replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp");
        Replace(full, tmp, t =>
        {
            using var fs = new FileStream(t, FileMode.Create, FileAccess.Write, FileShare.None);
            write(fs);
            fs.Flush(flushToDisk: true);
        });
    }

    // The one replace: the temporary written (and flushed to disk) by writeTemp, renamed over the target; removed if anything fails.
    private static void Replace(string full, string tmp, Action<string> writeTemp)
    {
        try
        {
            writeTemp(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="candidate"/> is the name of a temporary file <see cref="Write"/> writes for
    /// <paramref name="fileName"/> (<c>.{fileName}.{process id}.tmp</c>), as a write killed before its rename leaves it.
    /// </summary>
    internal static bool IsTemporaryFileOf(string candidate, string fileName)
    {
        string prefix = "." + fileName + ".";
        const string suffix = ".tmp";
        if (candidate.Length <= prefix.Length + suffix.Length
            || !candidate.StartsWith(prefix, StringComparison.Ordinal) || !candidate.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }
        var id = candidate.AsSpan(prefix.Length, candidate.Length - prefix.Length - suffix.Length);
        return int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
            && id.ToString() == pid.ToString(CultureInfo.InvariantCulture);
    }
}
