using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FastWeights.Bench;

/// <summary>
/// Whether the PyTorch peer is at its best: its own 1-thread matrix multiply (<c>bench/peers/blas_speed.py</c>, 1024³)
/// against OpenBLAS's through P/Invoke in this process. Debian's PyTorch uses the BLAS the system selects; on the netlib
/// reference BLAS it runs several times slower, and ratios against it would flatter us, so the report refuses them.
/// </summary>
internal static class PeerBlas
{
    /// <summary>The peer's GEMM must reach this fraction of OpenBLAS's (OpenBLAS reaches about 100 GFLOP/s on one core here, the reference BLAS about 3).</summary>
    public const double MinimumFraction = 0.5;

    /// <summary>Without OpenBLAS to compare with, the peer must reach this many GFLOP/s on one thread.</summary>
    public const double MinimumGflops = 20;

    /// <summary>The peer's measurement: GFLOP/s and the BLAS libraries its process mapped; null when it did not run.</summary>
    public static (double Gflops, string Libraries)? MeasurePeer(string python, string peers)
    {
        var psi = new ProcessStartInfo(python, [Path.Combine(peers, "blas_speed.py")]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["OMP_NUM_THREADS"] = "1";
        OpenBlas.RemoveTuning(psi.Environment);
        using var p = Process.Start(psi);
        if (p is null)
        {
            return null;
        }
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string? line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (p.ExitCode != 0 || line is null)
        {
            return null;
        }
        var doc = JsonDocument.Parse(line).RootElement;
        return (doc.GetProperty("gflops").GetDouble(), string.Join(", ", doc.GetProperty("blas_libraries").EnumerateArray().Select(e => e.GetString())));
    }

    /// <summary>OpenBLAS's 1-thread SGEMM at 1024³ in this process (best of 5), or null when it is not installed.</summary>
    public static unsafe double? MeasureOpenBlas()
    {
        var blas = OpenBlas.TryLoad();
        if (blas is null)
        {
            return null;
        }
        blas.SetThreads(1);
        const int n = 1024;
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        var rng = new Random(1);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)rng.NextDouble();
            b[i] = (float)rng.NextDouble();
        }
        double best = double.PositiveInfinity;
        fixed (float* pa = a, pb = b, pc = c)
        {
            for (int rep = 0; rep < 6; rep++)
            {
                var clock = Stopwatch.StartNew();
                blas.Sgemm(false, false, n, n, n, 1f, pa, n, pb, n, 0f, pc, n);
                if (rep > 0)
                {
                    best = Math.Min(best, clock.Elapsed.TotalSeconds);
                }
            }
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>Why ratios against this peer would mislead, or null when the peer is at its best.</summary>
    public static string? Problem(double peerGflops, double? openBlasGflops)
    {
        var inv = CultureInfo.InvariantCulture;
        if (openBlasGflops is { } o && peerGflops < MinimumFraction * o)
        {
            return string.Create(inv, $"the PyTorch peer multiplies 1024² matrices at {peerGflops:F1} GFLOP/s on one thread, under {MinimumFraction:P0} of OpenBLAS's {o:F1}: it runs on the reference BLAS; run 'apt-get install libopenblas0-pthread' (bench/run.sh does) so that libblas.so.3 points at OpenBLAS");
        }
        if (openBlasGflops is null && peerGflops < MinimumGflops)
        {
            return string.Create(inv, $"the PyTorch peer multiplies 1024² matrices at {peerGflops:F1} GFLOP/s on one thread, under {MinimumGflops} (the reference BLAS's speed); install libopenblas0-pthread");
        }
        return null;
    }
}
