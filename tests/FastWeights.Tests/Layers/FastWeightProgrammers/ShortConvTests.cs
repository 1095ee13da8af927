using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

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

    /// <summary>The streaming step and the whole-sequence op share one arithmetic: token by token they agree bit for bit.</summary>
    [Theory]
    [InlineData(4, 10)]
    [InlineData(3, 9)]
    [InlineData(1, 4)]
    public void StreamingStepEqualsTheSequenceOpBitForBit(int kernel, int c)
    {
        const int T = 7;
        var rng = new Rng(6);
        var w = Tensor.FromArray(Random(rng, c * kernel), c, kernel);
        var bias = Tensor.FromArray(Random(rng, c), c);
        var history = Random(rng, (kernel - 1) * c);
        var x = Random(rng, T * c);
        var whole = CausalDepthwiseConvOp.Forward(Tensor.FromArray(x, 1, T, c), w, bias, Tensor.FromArray((float[])history.Clone(), 1, kernel - 1, c)).ToArray();
        var silu = new float[c];
        for (int t = 0; t < T; t++)
        {
            var u = x.AsSpan(t * c, c).ToArray();
            var y = new float[c];
            CausalDepthwiseConvKernel.StepSilu(w.Span, bias.Span, history, u, y, kernel);
            var pre = whole.AsSpan(t * c, c);
            System.Numerics.Tensors.TensorPrimitives.Sigmoid(pre, silu);
            System.Numerics.Tensors.TensorPrimitives.Multiply(pre, silu, silu);
            Assert.Equal(silu, y);
        }
    }

    // |want − got| ≤ 1e-5 + 1e-4·|want| (float rounding, different summation orders).
    private static void Close(double want, double got) =>
        Assert.True(Math.Abs(want - got) <= 1e-5 + (1e-4 * Math.Abs(want)), $"want {want}, got {got}");

    private static float[] Random(Rng rng, int n) => Tensor.RandomNormal(rng, 1f, n).ToArray();
}
