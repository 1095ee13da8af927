using FastWeights.Optim;
using FastWeights.Tensors;

namespace FastWeights.Tests.Optim;

public sealed class SgdTests
{
    [Theory]
    [InlineData(0f, false, 0f)]
    [InlineData(0.9f, false, 0f)]
    [InlineData(0.9f, true, 0f)]
    [InlineData(0.5f, true, 0.01f)]
    public void MatchesADoublePrecisionReference(float momentum, bool nesterov, float weightDecay)
    {
        var rng = new Rng(21);
        int n = 19;
        var p = Tensor.RandomNormal(rng, 1f, n);
        var sgd = new Sgd([new("p", p)], learningRate: 0.1f, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay);
        double[] theta = p.ToArray().Select(x => (double)x).ToArray();
        double[] buffer = new double[n];
        for (int t = 0; t < 4; t++)
        {
            var g = Tensor.RandomNormal(rng, 1f, n);
            p.Grad = g;
            sgd.Step();
            for (int i = 0; i < n; i++)
            {
                double gi = g.Span[i] + (weightDecay * theta[i]);
                buffer[i] = (momentum * buffer[i]) + gi;
                double d = momentum == 0 ? gi : nesterov ? gi + (momentum * buffer[i]) : buffer[i];
                theta[i] -= 0.1 * d;
                Assert.Equal(theta[i], p.Span[i], 1e-5);
            }
        }
    }

    [Fact]
    public void MomentumHandComputedSteps()
    {
        // Constant gradient 1, lr 1, μ 0.5: buffers 1, 1.5, 1.75 → positions −1, −2.5, −4.25.
        var p = Tensor.Zeros(1);
        var sgd = new Sgd([new("p", p)], learningRate: 1f, momentum: 0.5f);
        float[] expected = [-1f, -2.5f, -4.25f];
        foreach (float e in expected)
        {
            p.Grad = Tensor.Full(1f, 1);
            sgd.Step();
            Assert.Equal(e, p.Span[0]);
        }
    }

    [Fact]
    public void NesterovNeedsMomentum()
    {
        Assert.Throws<ArgumentException>(() => new Sgd([new("p", Tensor.Zeros(1))], 0.1f, momentum: 0f, nesterov: true));
    }
}
