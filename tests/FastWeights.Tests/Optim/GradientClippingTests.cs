using FastWeights.Optim;
using FastWeights.Tensors;

namespace FastWeights.Tests.Optim;

public sealed class GradientClippingTests
{
    private static Tensor WithGrad(params float[] grad)
    {
        var t = Tensor.Zeros(grad.Length);
        t.Grad = Tensor.FromArray(grad, grad.Length);
        return t;
    }

    [Fact]
    public void ReturnsTheGlobalNormAndScalesDownToMaxNorm()
    {
        // ‖(3, 4, 12)‖ = 13 across two tensors; a third has no gradient.
        var a = WithGrad(3f, 4f);
        var b = WithGrad(12f);
        var none = Tensor.Zeros(3);
        float norm = GradientClipping.ClipGlobalNorm([a, none, b], maxNorm: 6.5f);
        Assert.Equal(13f, norm);
        Assert.Equal([1.5f, 2f], a.Grad!.ToArray());
        Assert.Equal([6f], b.Grad!.ToArray());
        Assert.Null(none.Grad);
        Assert.Equal(6.5f, GradientClipping.ClipGlobalNorm([a, b], maxNorm: 100f), 1e-5f);
    }

    [Fact]
    public void NoOpBelowTheThreshold()
    {
        var a = WithGrad(0.3f, -0.4f);
        float norm = GradientClipping.ClipGlobalNorm([a], maxNorm: 1f);
        Assert.Equal(0.5f, norm, 1e-7f);
        Assert.Equal([0.3f, -0.4f], a.Grad!.ToArray());
    }

    [Fact]
    public void NormIsAccumulatedInDouble()
    {
        // 10^6 values of 1e-3 plus one of 1e3: a float accumulator would lose the small terms.
        var big = Tensor.Full(1e-3f, 1_000_001);
        big.Span[0] = 1e3f;
        var t = Tensor.Zeros(big.Length);
        t.Grad = big;
        double expected = Math.Sqrt(1e6 + (1e6 * 1e-6 * (1 + 1e-8)));
        Assert.Equal((float)expected, GradientClipping.ClipGlobalNorm([t], 1e9f));
    }

    [Fact]
    public void NonFiniteNormLeavesGradientsAlone()
    {
        var a = WithGrad(1f, float.PositiveInfinity);
        Assert.Equal(float.PositiveInfinity, GradientClipping.ClipGlobalNorm([a], 1f));
        Assert.Equal([1f, float.PositiveInfinity], a.Grad!.ToArray());
    }
}
