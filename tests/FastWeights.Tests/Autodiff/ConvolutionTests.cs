using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Tests.Autodiff;

/// <summary>Conv2d and MaxPool2d held to plain nested-loop references and to finite differences.</summary>
public sealed class ConvolutionTests
{
    // y[b,o,y,x] = bias[o] + Σ_{c,i,j} w[o,c,i,j] · x[b,c,y·s+i−p,x·s+j−p], straight from the definition, in double.
    private static double[] NaiveConv(float[] x, int[] xs, float[] w, int[] ws, float[]? bias, int s, int p, out int oh, out int ow)
    {
        int b = xs[0], c = xs[1], h = xs[2], wd = xs[3], o = ws[0], kh = ws[2], kw = ws[3];
        oh = ((h + (2 * p) - kh) / s) + 1;
        ow = ((wd + (2 * p) - kw) / s) + 1;
        var y = new double[b * o * oh * ow];
        for (int n = 0; n < b; n++)
        {
            for (int f = 0; f < o; f++)
            {
                for (int r = 0; r < oh; r++)
                {
                    for (int q = 0; q < ow; q++)
                    {
                        double sum = bias?[f] ?? 0;
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int i = 0; i < kh; i++)
                            {
                                for (int j = 0; j < kw; j++)
                                {
                                    int iy = (r * s) + i - p, ix = (q * s) + j - p;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                                    {
                                        sum += (double)w[(((f * c) + ch) * kh + i) * kw + j] * x[(((n * c) + ch) * h + iy) * wd + ix];
                                    }
                                }
                            }
                        }
                        y[(((n * o) + f) * oh + r) * ow + q] = sum;
                    }
                }
            }
        }
        return y;
    }

    [Theory]
    [InlineData(2, 1, 8, 8, 3, 3, 1, 0, true)]
    [InlineData(2, 3, 7, 9, 4, 3, 1, 1, true)]
    [InlineData(1, 3, 9, 6, 2, 5, 2, 2, false)]
    [InlineData(3, 2, 10, 10, 5, 3, 2, 1, true)]
    [InlineData(1, 1, 28, 28, 4, 5, 1, 2, true)]
    public void ForwardMatchesTheDefinition(int b, int c, int h, int w, int o, int k, int stride, int pad, bool withBias)
    {
        var rng = new Rng(3);
        var x = Tensor.RandomNormal(rng, 1f, b, c, h, w);
        var weight = Tensor.RandomNormal(rng, 0.5f, o, c, k, k);
        var bias = withBias ? Tensor.RandomNormal(rng, 1f, o) : null;
        var y = Ops.Conv2d(x, weight, bias, stride, pad);
        var expected = NaiveConv(x.ToArray(), [b, c, h, w], weight.ToArray(), [o, c, k, k], bias?.ToArray(), stride, pad, out int oh, out int ow);
        Assert.Equal([b, o, oh, ow], y.ShapeArray());
        var ys = y.ToArray();
        for (int i = 0; i < ys.Length; i++)
        {
            Assert.True(Math.Abs(ys[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"element {i}: {ys[i]} vs {expected[i]}");
        }
    }

    [Theory]
    [InlineData(2, 2, 6, 5, 3, 3, 1, 1)]
    [InlineData(1, 3, 7, 7, 2, 3, 2, 0)]
    [InlineData(2, 1, 8, 6, 2, 5, 2, 2)]
    public void GradientsOfInputWeightAndBiasMatchFiniteDifferences(int b, int c, int h, int w, int o, int k, int stride, int pad)
    {
        var rng = new Rng(11);
        var x = Tensor.RandomNormal(rng, 1f, b, c, h, w);
        var weight = Tensor.RandomNormal(rng, 0.5f, o, c, k, k);
        var bias = Tensor.RandomNormal(rng, 1f, o);
        GradCheck.Check(() => Ops.Conv2d(x, weight, bias, stride, pad), [x, weight, bias]);
    }

    [Fact]
    public void MaxPoolForwardAndGradientFollowTheWindowMaximum()
    {
        // Distinct values (a shuffled ramp), so the maximum of every window is unique and finite differences are exact.
        var rng = new Rng(5);
        var values = Enumerable.Range(0, 2 * 3 * 6 * 7).Select(i => i * 0.05f).ToArray();
        rng.Shuffle(values.AsSpan());
        var x = Tensor.FromArray(values, 2, 3, 6, 7);
        var y = Ops.MaxPool2d(x, 2, 2);
        Assert.Equal([2, 3, 3, 3], y.ShapeArray());
        var ys = y.ToArray();
        for (int p = 0; p < 6; p++)
        {
            for (int r = 0; r < 3; r++)
            {
                for (int q = 0; q < 3; q++)
                {
                    float best = float.MinValue;
                    for (int i = 0; i < 2; i++)
                    {
                        for (int j = 0; j < 2; j++)
                        {
                            best = Math.Max(best, values[(p * 42) + (((r * 2) + i) * 7) + (q * 2) + j]);
                        }
                    }
                    Assert.Equal(best, ys[(p * 9) + (r * 3) + q]);
                }
            }
        }
        GradCheck.Check(() => Ops.MaxPool2d(x, 2, 2), [x], eps: 1e-3f);
        GradCheck.Check(() => Ops.MaxPool2d(x, 3, 2), [x], eps: 1e-3f);
    }

    [Fact]
    public void ShapeErrorsAreArgumentExceptions()
    {
        var x = Tensor.Zeros(1, 2, 5, 5);
        Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(3, 1, 3, 3), null));
        Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(3, 2, 7, 7), null));
        Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(3, 2, 3, 3), Tensor.Zeros(2)));
        Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(3, 2, 3, 3), null, stride: 0));
        Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(x, 6, 1));
        Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(Tensor.Zeros(5, 5), 2, 2));
    }

    [Fact]
    public void RepeatedRunsAreBitIdentical()
    {
        static float[] Once()
        {
            var rng = new Rng(9);
            var x = Tensor.RandomNormal(rng, 1f, 4, 3, 12, 12);
            var weight = Tensor.RandomNormal(rng, 0.3f, 8, 3, 5, 5);
            weight.RequiresGrad = true;
            x.RequiresGrad = true;
            Tape.Reset();
            var loss = Ops.Sum(Ops.MaxPool2d(Ops.Relu(Ops.Conv2d(x, weight, null, 1, 2)), 2, 2));
            Tape.Backward(loss);
            return [.. weight.Grad!.ToArray(), .. x.Grad!.ToArray()];
        }
        Assert.Equal(Once(), Once());
    }
}
