using FastWeights.Kernels;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Layers.FastWeightProgrammers.Ops.Decay;
using FastWeights.Layers.FastWeightProgrammers.Ops.GatedDelta;
using FastWeights.Tensors;

namespace FastWeights.Tests.Kernels;

/// <summary>The vector passes of streaming inference against plain loops.</summary>
public sealed class StreamingKernelsTests
{
    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(1, 7, 5, false)]
    [InlineData(2, 9, 16, true)]
    [InlineData(3, 13, 37, true)]
    [InlineData(1, 64, 256, false)]
    public void MatVecMatchesTheDefinition(int batch, int rows, int cols, bool bias)
    {
        var rng = new Rng(3);
        var w = Random(rng, rows * cols);
        var b = bias ? Random(rng, rows) : [];
        var x = Random(rng, batch * cols);
        var y = new float[batch * rows];
        StreamingKernels.MatVec(w, b, x, y, batch, rows, cols);
        for (int bi = 0; bi < batch; bi++)
        {
            for (int r = 0; r < rows; r++)
            {
                double want = bias ? b[r] : 0;
                for (int c = 0; c < cols; c++)
                {
                    want += (double)w[(r * cols) + c] * x[(bi * cols) + c];
                }
                Close(want, y[(bi * rows) + r]);
            }
        }
        Assert.Throws<ArgumentException>(() => StreamingKernels.MatVec(w, b, x, new float[(batch * rows) - 1], batch, rows, cols));
    }

    [Theory]
    [InlineData(1, 8, 256)]
    [InlineData(2, 13, 37)]
    [InlineData(1, 9, 24)]
    [InlineData(3, 64, 100)]
    public void MatVecOnTheBestPathEqualsTheAvx2FallbackBitForBit(int batch, int rows, int cols)
    {
        // On AVX-512 machines the 16-lane chains hold the AVX2 loop's two 8-lane chains: the same bits. (Elsewhere the
        // best path is the fallback itself and the comparison is trivially equal; GemmTests checks which path is best.)
        var rng = new Rng(8);
        var w = Random(rng, rows * cols);
        var b = Random(rng, rows);
        var x = Random(rng, batch * cols);
        var best = new float[batch * rows];
        var fallback = new float[batch * rows];
        StreamingKernels.MatVec(w, b, x, best, batch, rows, cols);
        try
        {
            KernelPaths.Force = KernelPath.Avx2;
            StreamingKernels.MatVec(w, b, x, fallback, batch, rows, cols);
        }
        finally
        {
            KernelPaths.Force = null;
        }
        Assert.Equal(fallback, best);
    }

    [Theory]
    [InlineData(true, 0.9f, 16, 12)]
    [InlineData(true, 1f, 13, 5)]
    [InlineData(false, 0.8f, 24, 9)]
    [InlineData(false, 1f, 6, 3)]
    public void FastWeightStepMatchesTheRecurrentStep(bool delta, float alpha, int dk, int dv)
    {
        var rng = new Rng(4);
        var s0 = Random(rng, dk * dv);
        var s1 = (float[])s0.Clone();
        var work = new float[dv];
        for (int t = 0; t < 5; t++)
        {
            var q = Random(rng, dk);
            var k = Random(rng, dk);
            var v = Random(rng, dv);
            float beta = 0.3f + (0.1f * t);
            var want = new float[dv];
            var got = new float[dv];
            if (delta)
            {
                GatedDeltaRuleOp.Step(s0, q, k, v, alpha, beta, want);
            }
            else
            {
                DecayAttentionOp.Step(s0, q, k, v, alpha, want);
            }
            if (delta)
            {
                FastWeightStepKernel.Step<GatedDeltaRule>(s1, q, k, v, alpha, beta, got, work);
            }
            else
            {
                FastWeightStepKernel.Step<DecayedSumRule>(s1, q, k, v, alpha, beta, got, work);
            }
            for (int i = 0; i < dv; i++)
            {
                Close(want[i], got[i]);
            }
            for (int i = 0; i < s0.Length; i++)
            {
                Close(s0[i], s1[i]);
            }
        }
    }

    [Fact]
    public void LayerNormMatchesTheDefinition()
    {
        var rng = new Rng(6);
        var x = Random(rng, 37);
        var gain = Random(rng, 37);
        var bias = Random(rng, 37);
        var y = new float[37];
        StreamingKernels.LayerNorm(x, gain, bias, 1e-5f, y);
        double mean = x.Average(v => (double)v), variance = x.Average(v => (v - mean) * (v - mean));
        for (int i = 0; i < x.Length; i++)
        {
            Close(((x[i] - mean) / Math.Sqrt(variance + 1e-5) * gain[i]) + bias[i], y[i]);
        }
    }

    // |want − got| ≤ 1e-5 + 1e-4·|want| (float rounding, different summation orders).
    private static void Close(double want, double got) =>
        Assert.True(Math.Abs(want - got) <= 1e-5 + (1e-4 * Math.Abs(want)), $"want {want}, got {got}");

    private static float[] Random(Rng rng, int n) => Tensor.RandomNormal(rng, 1f, n).ToArray();
}
