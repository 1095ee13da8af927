using System.Diagnostics;
using System.Numerics.Tensors;

namespace FastWeights.Bench;

/// <summary>
/// Single-thread read bandwidth over a buffer read again and again (TensorPrimitives.Sum, 512-bit where the processor
/// has it): the floor of a batch-1 streaming step, which reads every weight once per token. The default 4.4 MB is
/// the 2-layer DeltaNet of the streaming benchmark (d = 256, MLP ×2, byte head).
/// </summary>
internal static class ReadBandwidth
{
    /// <summary>Entry point: <c>bandwidth [--mb 4.4] [--samples 15]</c>; prints GB/s (best and median) and µs per pass.</summary>
    public static int Run(string[] args)
    {
        double mb = Sampling.DoubleOption(args, "--mb", 4.4);
        int samples = Sampling.IntOption(args, "--samples", 15);
        var buffer = new float[(int)(mb * 1e6 / sizeof(float))];
        new FastWeights.Tensors.Rng(1).FillUniform(buffer, -1f, 1f);
        float sink = 0;
        for (int i = 0; i < 20; i++)
        {
            sink += TensorPrimitives.Sum(buffer);
        }
        var rates = new List<double>();
        for (int s = 0; s < samples; s++)
        {
            const int Passes = 200;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < Passes; i++)
            {
                sink += TensorPrimitives.Sum(buffer);
            }
            rates.Add(Passes * (double)buffer.Length * sizeof(float) / sw.Elapsed.TotalSeconds / 1e9);
        }
        double median = PeakFlops.Median(rates), best = rates.Max();
        Console.WriteLine(FormattableString.Invariant(
            $"read bandwidth, 1 thread, {buffer.Length * (double)sizeof(float) / 1e6:F1} MB buffer: median {median:F1} GB/s, best {best:F1} GB/s ({buffer.Length * (double)sizeof(float) / median / 1e3:F1} µs per pass at the median){(sink == 0.123f ? " " : "")}"));
        return 0;
    }
}
