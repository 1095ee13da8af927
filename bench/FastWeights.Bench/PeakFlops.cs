using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Bench;

/// <summary>
/// Machine peak: a loop of independent 256-bit FMAs on registers (12 chains hide the 4-cycle latency on 2 FMA ports).
/// Peak = FMA units × 8 lanes × 2 flops × clock; the measured figure implies the effective clock.
/// </summary>
internal static class PeakFlops
{
    /// <summary>Prints the measured single-thread and all-thread peaks.</summary>
    public static int Report()
    {
        (double one, double all) = Measure();
        Console.WriteLine($"peak FMA: 1 thread {one:F1} GFLOP/s (≈ {one / 32:F2} GHz × 32 flop/cycle), {Environment.ProcessorCount} threads {all:F1} GFLOP/s");
        return 0;
    }

    /// <summary>
    /// Best GFLOP/s of the FMA loop over short samples, on one thread and on every core at once
    /// (the best sample is the one least disturbed by other processes on a shared machine).
    /// </summary>
    public static (double OneThread, double AllThreads) Measure()
    {
        if (!Fma.IsSupported)
        {
            return (double.NaN, double.NaN);
        }
        const long Iterations = 4_000_000;
        Loop(1000);
        var single = new List<double>();
        var multi = new List<double>();
        for (int r = 0; r < 25; r++)
        {
            var sw = Stopwatch.StartNew();
            Loop(Iterations);
            single.Add(Flops(Iterations) / sw.Elapsed.TotalSeconds / 1e9);

            int threads = Environment.ProcessorCount;
            sw.Restart();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Loop(Iterations));
            multi.Add(threads * Flops(Iterations) / sw.Elapsed.TotalSeconds / 1e9);
        }
        return (single.Max(), multi.Max());
    }

    private static double Flops(long iterations) => iterations * 12.0 * 8 * 2;

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    private static float Loop(long iterations)
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
}
