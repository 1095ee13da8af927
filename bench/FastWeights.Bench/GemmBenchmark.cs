using System.Diagnostics;
using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Bench;

/// <summary>
/// SGEMM throughput, ours against OpenBLAS cblas_sgemm, square C = A·B (row-major, no transposes, beta = 0).
/// The two run alternately in the same process (the machine is shared), repeated; medians and their ratio are printed.
/// GFLOP/s = 2·n³ / seconds / 10⁹.
/// </summary>
internal static unsafe class GemmBenchmark
{
    /// <summary>The issue's targets, ours / OpenBLAS by (n, threads): at least 0.9 at 64, 0.95 at 256 and 1024 on 1 thread, 0.9 at 1024 on 2.</summary>
    private static readonly Dictionary<(int N, int Threads), double> Targets = new()
    {
        [(64, 1)] = 0.9,
        [(256, 1)] = 0.95,
        [(1024, 1)] = 0.95,
        [(1024, 2)] = 0.9,
    };

    /// <summary>Entry point of the <c>gemm</c> workload.</summary>
    public static int Run(string[] args) => Run(args, Console.Out);

    /// <summary>
    /// Runs the comparison and writes the header lines, the table and (for the sizes with a target) the verdict line
    /// to <paramref name="output"/> (what <c>bench/run.sh</c> puts in gemm-report.md).
    /// </summary>
    public static int Run(string[] args, TextWriter output)
    {
        int[] sizes = Option(args, "--sizes", [64, 256, 1024]);
        // Extra non-square shapes, e.g. --shapes 128x50x50,50x50x128 (m×n×k).
        int index = Array.IndexOf(args, "--shapes");
        var shapes = sizes.Select(s => (M: s, N: s, K: s)).ToList();
        if (index >= 0 && index + 1 < args.Length)
        {
            shapes = args[index + 1].Split(',').Select(t => t.Split('x').Select(int.Parse).ToArray()).Select(v => (v[0], v[1], v[2])).ToList();
        }
        int[] threadCounts = Option(args, "--threads", [1, 2]);
        int repeats = Option(args, "--repeats", [15])[0];
        double sampleSeconds = Option(args, "--sample-ms", [60])[0] / 1000.0;

        // OpenBLAS tuning variables in the environment slow it down here; drop them before it loads.
        foreach (string dropped in OpenBlas.DropTuningEnvironment())
        {
            output.WriteLine($"unset {dropped} for OpenBLAS");
        }
        OpenBlas? blas = OpenBlas.TryLoad();
        output.WriteLine($"CPU: {CpuModel()}, {Environment.ProcessorCount} logical cores; .NET {Environment.Version}");
        output.WriteLine(blas is null
            ? "OpenBLAS: not found (apt-get install libopenblas0-pthread); only our figures are shown"
            : $"OpenBLAS: {blas.Path}, core {blas.CoreName}, config {blas.Config}");
        PeakFlops.Peak peaks = PeakFlops.Measure();
        (double peak1, double peakAll) = (peaks.OneThread, peaks.AllThreads);
        output.WriteLine(SimdPaths.Describe());
        output.WriteLine(PeakFlops.Describe(peaks));
        output.WriteLine($"{repeats} alternating samples of ≥ {sampleSeconds} s each; medians.");
        output.WriteLine();
        output.WriteLine("| n | threads | ours GFLOP/s | OpenBLAS GFLOP/s | ours / OpenBLAS (pairs) | ours % of peak | max rel. diff |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");

        var rng = new Rng(2024);
        var verdicts = new List<string>();
        int savedThreads = KernelThreads.MaxThreads;
        try
        {
            foreach ((int m, int n, int k) in shapes)
            {
                string label = m == n && n == k ? $"{n}" : $"{m}×{n}×{k}";
                float[] a = GC.AllocateUninitializedArray<float>(m * k, pinned: true);
                float[] b = GC.AllocateUninitializedArray<float>(k * n, pinned: true);
                float[] cOurs = GC.AllocateArray<float>(m * n, pinned: true);
                float[] cTheirs = GC.AllocateArray<float>(m * n, pinned: true);
                rng.FillUniform(a, -1f, 1f);
                rng.FillUniform(b, -1f, 1f);
                fixed (float* pa = a, pb = b, pt = cTheirs)
                {
                    float* pA = pa, pB = pb, pT = pt;
                    foreach (int threads in threadCounts)
                    {
                        KernelThreads.MaxThreads = threads;
                        blas?.SetThreads(threads);
                        Action ours = () => Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, cOurs, n);
                        Action? theirs = blas is null ? null : () => blas.Sgemm(false, false, m, n, k, 1f, pA, k, pB, n, 0f, pT, n);

                        int oursIterations = Calibrate(ours, sampleSeconds);
                        int theirsIterations = theirs is null ? 0 : Calibrate(theirs, sampleSeconds);
                        var oursRates = new List<double>();
                        var theirsRates = new List<double>();
                        double flops = 2.0 * m * n * k;
                        for (int r = 0; r < repeats; r++)
                        {
                            // Alternate which goes first so drift in the machine's load hits both alike.
                            if (r % 2 == 0 || theirs is null)
                            {
                                oursRates.Add(flops * oursIterations / Time(ours, oursIterations) / 1e9);
                                if (theirs is not null)
                                {
                                    theirsRates.Add(flops * theirsIterations / Time(theirs, theirsIterations) / 1e9);
                                }
                            }
                            else
                            {
                                theirsRates.Add(flops * theirsIterations / Time(theirs, theirsIterations) / 1e9);
                                oursRates.Add(flops * oursIterations / Time(ours, oursIterations) / 1e9);
                            }
                        }
                        double oursMedian = PeakFlops.Median(oursRates);
                        // Ratio of each alternating pair, then the median: cancels slow drifts in the machine's load.
                        double pairRatio = theirs is null ? double.NaN : PeakFlops.Median(oursRates.Zip(theirsRates, (o, t) => o / t).ToList());
                        double peak = threads == 1 ? peak1 : peakAll * Math.Min(threads, Environment.ProcessorCount) / Environment.ProcessorCount;
                        if (theirs is null)
                        {
                            output.WriteLine($"| {label} | {threads} | {oursMedian:F1} | – | – | {100 * oursMedian / peak:F0}% | – |");
                        }
                        else
                        {
                            double theirsMedian = PeakFlops.Median(theirsRates);
                            output.WriteLine($"| {label} | {threads} | {oursMedian:F1} | {theirsMedian:F1} | {oursMedian / theirsMedian:F2} ({pairRatio:F2}) | {100 * oursMedian / peak:F0}% | {MaxRelativeDifference(cOurs, cTheirs, a, b, m, n, k):E1} |");
                            if (m == n && n == k && Targets.TryGetValue((n, threads), out double target))
                            {
                                double ratio = oursMedian / theirsMedian;
                                verdicts.Add(ratio >= target
                                    ? $"n = {n}, {threads} thread(s): ≥ {target:F2} met ({ratio:F2})"
                                    : $"n = {n}, {threads} thread(s): ≥ {target:F2} missed by {target / ratio:F2}× ({ratio:F2})");
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            KernelThreads.MaxThreads = savedThreads;
        }
        if (verdicts.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"**Targets, ours / OpenBLAS (median):** {string.Join("; ", verdicts)}.");
        }
        return 0;
    }

    /// <summary>Iterations per sample so one sample lasts about <paramref name="seconds"/> (after warm-up).</summary>
    private static int Calibrate(Action action, double seconds)
    {
        for (int i = 0; i < 3; i++)
        {
            action();
        }
        int iterations = 1;
        while (true)
        {
            double elapsed = Time(action, iterations);
            if (elapsed >= seconds / 4 || iterations >= 1 << 24)
            {
                return Math.Max(1, (int)Math.Ceiling(iterations * seconds / elapsed));
            }
            iterations *= 4;
        }
    }

    private static double Time(Action action, int iterations)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            action();
        }
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>max |ours − theirs| / max Σ_p |a_ip·b_pj| over a sample of entries.</summary>
    private static double MaxRelativeDifference(float[] ours, float[] theirs, float[] a, float[] b, int m, int n, int k)
    {
        double worst = 0;
        for (int s = 0; s < 64; s++)
        {
            int i = (s * 37) % m, j = (s * 101) % n;
            double scale = 0;
            for (int p = 0; p < k; p++)
            {
                scale += Math.Abs(a[(i * k) + p] * b[(p * n) + j]);
            }
            worst = Math.Max(worst, Math.Abs(ours[(i * n) + j] - theirs[(i * n) + j]) / scale);
        }
        return worst;
    }

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':') + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        return "unknown CPU";
    }

    private static int[] Option(string[] args, string name, int[] fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length
            ? args[index + 1].Split(',').Select(int.Parse).ToArray()
            : fallback;
    }
}
