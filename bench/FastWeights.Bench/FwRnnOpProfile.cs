using System.Diagnostics;
using FastWeights.Kernels;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Tensors;

namespace FastWeights.Bench;

/// <summary>The fused fw-rnn kernel alone (forward, backward, and the slow-weight products they contain), 1 thread.</summary>
internal static class FwRnnOpProfile
{
    /// <summary><c>fwrnn-op [--hidden 100] [--batch 128] [--steps 11] [--reps 100]</c>: best-of-7 mean process CPU ms per call.</summary>
    public static int Run(string[] args)
    {
        int r = Sampling.IntOption(args, "--hidden", 100);
        int batch = Sampling.IntOption(args, "--batch", 128);
        int steps = Sampling.IntOption(args, "--steps", 11);
        int reps = Sampling.IntOption(args, "--reps", 100);
        var options = new FastWeightRnnOptions();
        var rng = new Rng(3);
        int n = batch * steps * r;
        float[] Random(int len, float scale)
        {
            var x = new float[len];
            for (int i = 0; i < len; i++)
            {
                x[i] = scale * ((float)rng.NextDouble() - 0.5f);
            }
            return x;
        }
        var u = Random(n, 2f);
        var w = Random(r * r, 0.2f);
        var gain = Random(r, 0.2f);
        for (int i = 0; i < r; i++)
        {
            gain[i] += 1f;
        }
        var bias = Random(r, 0.2f);
        var h = new float[n];
        var dH = Random(n, 1f);
        var dU = new float[n];
        var dW = new float[r * r];
        var dG = new float[r];
        var dB = new float[r];
        var ws = new FastWeightRnnWorkspace();
        var packed = new float[PackedPanelProduct.PackedLength(r, r)];
        var rows = new float[n];
        double bestF = double.MaxValue, bestB = double.MaxValue, bestP = double.MaxValue;
        for (int round = 0; round < 7; round++)
        {
            var t0 = Cpu();
            for (int i = 0; i < reps; i++)
            {
                FastWeightRnnKernel.Forward(options, batch, steps, r, u, w, gain, bias, h, ws, 1);
            }
            var t1 = Cpu();
            for (int i = 0; i < reps; i++)
            {
                FastWeightRnnKernel.Backward(ws, w, gain, h, dH, dU, dW, dG, dB, 1);
            }
            var t2 = Cpu();
            for (int i = 0; i < reps; i++)
            {
                // The slow-weight products of one forward + backward: W h (B·T rows), Wᵀ da (B·T rows), dW = Gᵀ H.
                PackedPanelProduct.Pack(w, r, r, true, packed);
                PackedPanelProduct.Multiply(batch * steps, r, r, h, r, packed, true, rows, r);
                PackedPanelProduct.Multiply(batch * steps, r, r, dH, r, packed, false, rows, r);
                Gemm.Multiply(true, false, r, r, batch * steps, 1f, dH, r, h, r, 0f, dW, r, 1);
            }
            var t3 = Cpu();
            bestF = Math.Min(bestF, (t1 - t0).TotalMilliseconds / reps);
            bestB = Math.Min(bestB, (t2 - t1).TotalMilliseconds / reps);
            bestP = Math.Min(bestP, (t3 - t2).TotalMilliseconds / reps);
        }
        Console.WriteLine($"forward {bestF:F3}  backward {bestB:F3}  | slow-weight products alone {bestP:F3} ms (B {batch}, T {steps}, R {r})");
        return 0;
    }

    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;
}
