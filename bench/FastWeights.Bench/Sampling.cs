using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FastWeights.Bench;

/// <summary>
/// Timing helpers shared by the workloads: warm up, then time several samples of many steps each and keep the
/// per-step time of every sample (the runner takes medians over samples and over alternating processes).
/// </summary>
internal static class Sampling
{
    /// <summary>Milliseconds per call of <paramref name="step"/> for each of <paramref name="samples"/> samples.</summary>
    /// <param name="step">The measured work.</param>
    /// <param name="warmup">Calls before timing (JIT tiering, buffer growth).</param>
    /// <param name="samples">Number of timed samples.</param>
    /// <param name="minSampleSeconds">Each sample runs whole calls until at least this long has passed.</param>
    public static double[] MillisecondsPerCall(Action step, int warmup, int samples, double minSampleSeconds) =>
        MillisecondsPerCall(step, warmup, samples, minSampleSeconds, out _);

    /// <summary>As above; also gives the process CPU time per call over all samples (all threads), in ms.</summary>
    public static double[] MillisecondsPerCall(Action step, int warmup, int samples, double minSampleSeconds, out double cpuMsPerCall)
    {
        for (int i = 0; i < warmup; i++)
        {
            step();
        }
        long totalCalls = 0;
        using var self = Process.GetCurrentProcess();
        var cpu0 = self.TotalProcessorTime;
        var result = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            long calls = 0;
            var clock = Stopwatch.StartNew();
            do
            {
                step();
                calls++;
            }
            while (clock.Elapsed.TotalSeconds < minSampleSeconds);
            result[s] = clock.Elapsed.TotalMilliseconds / calls;
            totalCalls += calls;
        }
        self.Refresh();
        cpuMsPerCall = (self.TotalProcessorTime - cpu0).TotalMilliseconds / Math.Max(1, totalCalls);
        return result;
    }

    /// <summary>Median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Peak resident memory of this process so far, in MiB (VmHWM).</summary>
    public static double PeakResidentMiB()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>One JSON object per line: the record format shared with the PyTorch peers.</summary>
    public static string JsonLine(IEnumerable<(string Key, object Value)> fields)
    {
        var sb = new StringBuilder("{");
        bool first = true;
        foreach (var (key, value) in fields)
        {
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            sb.Append('"').Append(key).Append("\": ");
            sb.Append(value switch
            {
                string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
                double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "null",
                float f => float.IsFinite(f) ? f.ToString("R", CultureInfo.InvariantCulture) : "null",
                bool b => b ? "true" : "false",
                double[] a => "[" + string.Join(", ", a.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]",
                IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
                _ => "\"" + value + "\"",
            });
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Value of <c>--name value</c> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    public static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>Integer option.</summary>
    public static int IntOption(string[] args, string name, int fallback) =>
        int.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>Floating-point option.</summary>
    public static double DoubleOption(string[] args, string name, double fallback) =>
        double.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
