using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Bench;

/// <summary>
/// Machine peak: loops of independent FMAs on registers (12 chains hide the latency on 2 FMA ports), with 256-bit
/// vectors and, where the processor has AVX-512, with 512-bit ones. Peak = FMA units × lanes × 2 flops × clock; on
/// processors that split a 512-bit FMA into two 256-bit halves (Zen 4) the two widths give the same figure, on ones
/// with full-width units (Zen 5, Intel server parts) 512-bit doubles it. The peak is the wider one's.
/// </summary>
internal static class PeakFlops
{
    /// <summary>Prints the measured single-thread and all-thread peaks of each width.</summary>
    public static int Report()
    {
        Console.WriteLine(Describe(Measure()));
        return 0;
    }

    /// <summary>One line for report headers: the peak and the figure of each width.</summary>
    public static string Describe(Peak p) =>
        $"peak FMA (register loop, best of 25 samples): 1 thread {p.OneThread:F1} GFLOP/s, {Environment.ProcessorCount} threads {p.AllThreads:F1} GFLOP/s"
        + $" ({p.Bits}-bit vectors; 256-bit: {p.OneThread256:F1} / {p.AllThreads256:F1}"
        + (double.IsNaN(p.OneThread512) ? "; no AVX-512)" : $"; 512-bit: {p.OneThread512:F1} / {p.AllThreads512:F1})");

    /// <summary>The measured peaks: the widest vectors' (what the kernels can reach) and each width's.</summary>
    public readonly record struct Peak(double OneThread256, double AllThreads256, double OneThread512, double AllThreads512)
    {
        /// <summary>Vector width of the higher peak.</summary>
        public int Bits => OneThread512 > OneThread256 ? 512 : 256;

        /// <summary>Single-thread peak GFLOP/s.</summary>
        public double OneThread => Bits == 512 ? OneThread512 : OneThread256;

        /// <summary>All-thread peak GFLOP/s.</summary>
        public double AllThreads => Bits == 512 ? AllThreads512 : AllThreads256;
    }

    /// <summary>
    /// Best GFLOP/s of the FMA loops over short samples, on one thread and on every core at once
    /// (the best sample is the one least disturbed by other processes on a shared machine).
    /// </summary>
    public static Peak Measure()
    {
        if (!Fma.IsSupported)
        {
            return new Peak(double.NaN, double.NaN, double.NaN, double.NaN);
        }
        (double one256, double all256) = Measure(Loop256, 8);
        (double one512, double all512) = Avx512F.IsSupported ? Measure(Loop512, 16) : (double.NaN, double.NaN);
        return new Peak(one256, all256, one512, all512);
    }

    private static (double OneThread, double AllThreads) Measure(Func<long, float> loop, int lanes)
    {
        const long Iterations = 4_000_000;
        loop(1000);
        double flops = Iterations * 12.0 * lanes * 2;
        var single = new List<double>();
        var multi = new List<double>();
        for (int r = 0; r < 25; r++)
        {
            var sw = Stopwatch.StartNew();
            loop(Iterations);
            single.Add(flops / sw.Elapsed.TotalSeconds / 1e9);

            int threads = Environment.ProcessorCount;
            sw.Restart();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => loop(Iterations));
            multi.Add(threads * flops / sw.Elapsed.TotalSeconds / 1e9);
        }
        return (single.Max(), multi.Max());
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    private static float Loop256(long iterations)
    {
        var x = Vector256.Create(1.0000001f);
        var y = Vector256.Create(0.9999999f);
        Vector256<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, y, x);
            a1 = Fma.MultiplyAdd(a1, y, x);
            a2 = Fma.MultiplyAdd(a2, y, x);
            a3 = Fma.MultiplyAdd(a3, y, x);
            a4 = Fma.MultiplyAdd(a4, y, x);
            a5 = Fma.MultiplyAdd(a5, y, x);
            a6 = Fma.MultiplyAdd(a6, y, x);
            a7 = Fma.MultiplyAdd(a7, y, x);
            a8 = Fma.MultiplyAdd(a8, y, x);
            a9 = Fma.MultiplyAdd(a9, y, x);
            a10 = Fma.MultiplyAdd(a10, y, x);
            a11 = Fma.MultiplyAdd(a11, y, x);
        }
        var s = (a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7) + (a8 + a9) + (a10 + a11);
        return s.ToScalar();
    }

    private static float Loop512(long iterations)
    {
        var x = Vector512.Create(1.0000001f);
        var y = Vector512.Create(0.9999999f);
        Vector512<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, y, x);
            a1 = Avx512F.FusedMultiplyAdd(a1, y, x);
            a2 = Avx512F.FusedMultiplyAdd(a2, y, x);
            a3 = Avx512F.FusedMultiplyAdd(a3, y, x);
            a4 = Avx512F.FusedMultiplyAdd(a4, y, x);
            a5 = Avx512F.FusedMultiplyAdd(a5, y, x);
            a6 = Avx512F.FusedMultiplyAdd(a6, y, x);
            a7 = Avx512F.FusedMultiplyAdd(a7, y, x);
            a8 = Avx512F.FusedMultiplyAdd(a8, y, x);
            a9 = Avx512F.FusedMultiplyAdd(a9, y, x);
            a10 = Avx512F.FusedMultiplyAdd(a10, y, x);
            a11 = Avx512F.FusedMultiplyAdd(a11, y, x);
        }
        var s = (a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7) + (a8 + a9) + (a10 + a11);
        return s.ToScalar();
    }
}
