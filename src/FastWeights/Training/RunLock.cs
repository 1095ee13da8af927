using System.Globalization;

namespace FastWeights.Training;

/// <summary>
/// One writer per run directory: an exclusive lock on <c>.lock</c> in the directory, held while a run trains. The lock
/// is the operating system's (an exclusive open, which .NET takes with flock on Unix), so it is taken atomically and
/// dies with its process: a lock file left by a killed process is stale and is taken over. Beside it <c>.lock.owner</c>
/// holds the owner's process id, for the message a second writer gets (a file locked this way cannot be read by others).
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside a run directory.</summary>
    public const string FileName = ".lock";

    /// <summary>The file naming the lock's owner.</summary>
    public const string OwnerFileName = ".lock.owner";

    private readonly FileStream stream;

    private RunLock(FileStream stream) => this.stream = stream;

    /// <summary>Takes the lock of <paramref name="dir"/> (created if needed); throws <see cref="IOException"/> naming the owner when another process holds it.</summary>
    public static RunLock Acquire(string dir)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, FileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new IOException($"'{dir}' is in use by another fastweights process{Owner(dir)}; wait for it to finish or stop it first");
        }
        AtomicFile.WriteAllText(Path.Combine(dir, OwnerFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return new RunLock(stream);
    }

    /// <summary>Releases the lock (the file stays; it is free once no process holds it open).</summary>
    public void Dispose() => stream.Dispose();

    // " (process N)" from the owner file; empty when it is missing or unreadable.
    private static string Owner(string dir)
    {
        try
        {
            string text = File.ReadAllText(Path.Combine(dir, OwnerFileName)).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? $" (process {pid})" : string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
