using System.Diagnostics;

namespace FastWeights.Training;

/// <summary>
/// The peak resident memory of this process over a span of work: on Linux the kernel's high-water mark (<c>VmHWM</c> in
/// <c>/proc/self/status</c>), which <see cref="Reset"/> sets back to the current resident size (<c>5</c> written to
/// <c>/proc/self/clear_refs</c>); elsewhere the process's peak working set since it started.
/// </summary>
public static class PeakMemory
{
    /// <summary>Starts a new span: a compacting collection first, so garbage of earlier work is not counted, then the high-water mark reset.</summary>
    public static void Reset()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // Not Linux, or not allowed: the peak since the process started is what can be had.
        }
    }

    /// <summary>The peak resident bytes since the last <see cref="Reset"/> (Linux) or since the process started.</summary>
    public static long Bytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var parts = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
