using FastWeights.Programmers.Layers;
using FastWeights.Tensors;

namespace FastWeights.Tests.Programmers;

/// <summary>The streaming step of the short convolution against its definition (moved from StreamingKernelsTests).</summary>
public sealed class ShortConvTests
{
    [Theory]
    [InlineData(4, 10)]
    [InlineData(3, 9)]
    [InlineData(1, 4)]
    public void ConvolveSiluMatchesTheDefinition(int kernel, int c)
    {
        var rng = new Rng(5);
        var w = Random(rng, c * kernel);
        var bias = Random(rng, c);
        var history = Random(rng, (kernel - 1) * c);
        var before = (float[])history.Clone();
        var u = Random(rng, c);
        var input = (float[])u.Clone();
        var y = new float[c];
        CausalDepthwiseConvKernel.StepSilu(w, bias, history, u, y, kernel);
        for (int ci = 0; ci < c; ci++)
        {
            double pre = bias[ci] + (w[(ci * kernel) + kernel - 1] * input[ci]);
            for (int j = 0; j < kernel - 1; j++)
            {
                pre += w[(ci * kernel) + j] * before[(j * c) + ci];
            }
            Close(pre / (1 + Math.Exp(-pre)), y[ci]);
        }
        // The history moved one token on: its last row is the new input.
        if (kernel > 1)
        {
            Assert.Equal(input, history.AsSpan((kernel - 2) * c, c).ToArray());
            Assert.Equal(before.AsSpan(c, (kernel - 2) * c).ToArray(), history.AsSpan(0, (kernel - 2) * c).ToArray());
        }
    }

    // |want − got| ≤ 1e-5 + 1e-4·|want| (float rounding, different summation orders).
    private static void Close(double want, double got) =>
        Assert.True(Math.Abs(want - got) <= 1e-5 + (1e-4 * Math.Abs(want)), $"want {want}, got {got}");

    private static float[] Random(Rng rng, int n) => Tensor.RandomNormal(rng, 1f, n).ToArray();
}
