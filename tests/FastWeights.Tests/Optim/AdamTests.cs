using FastWeights.Optim;
using FastWeights.Tensors;

namespace FastWeights.Tests.Optim;

public sealed class AdamTests
{
    private static KeyValuePair<string, Tensor> Param(string name, params float[] values) => new(name, Tensor.FromArray(values, values.Length));

    [Theory]
    [InlineData(false, 0f, 3)]
    [InlineData(false, 0f, 37)]
    [InlineData(false, 0.1f, 37)]
    [InlineData(true, 0.1f, 37)]
    public void ThreeStepsMatchADoublePrecisionReference(bool decoupled, float weightDecay, int length)
    {
        // Length 37 exercises both the vector body and the scalar tail of the kernel.
        var rng = new Rng(11);
        var p = Tensor.RandomNormal(rng, 1f, length);
        var adam = new Adam([new("p", p)], learningRate: 0.05f, beta1: 0.8f, beta2: 0.95f, epsilon: 1e-3f, weightDecay: weightDecay, decoupledWeightDecay: decoupled);
        double[] theta = p.ToArray().Select(x => (double)x).ToArray();
        double[] m = new double[length], v = new double[length];
        for (int t = 1; t <= 3; t++)
        {
            var g = Tensor.RandomNormal(rng, 1f, length);
            p.Grad = g;
            adam.Step();
            for (int i = 0; i < length; i++)
            {
                double gi = g.Span[i];
                if (!decoupled)
                {
                    gi += weightDecay * theta[i];
                }
                else
                {
                    theta[i] *= 1 - (0.05 * weightDecay);
                }
                m[i] = (0.8 * m[i]) + (0.2 * gi);
                v[i] = (0.95 * v[i]) + (0.05 * gi * gi);
                double mHat = m[i] / (1 - Math.Pow(0.8, t));
                double vHat = v[i] / (1 - Math.Pow(0.95, t));
                theta[i] -= 0.05 * mHat / (Math.Sqrt(vHat) + 1e-3);
            }
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(theta[i], p.Span[i], 5e-6);
            }
        }
        Assert.Equal(3, adam.StepCount);
    }

    [Fact]
    public void FirstStepMovesEachCoordinateByAboutTheLearningRateAgainstTheGradientSign()
    {
        // At t = 1, m̂ = g and v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g), whatever |g|.
        var p = Param("p", 1f, 1f, 1f, 1f, 1f);
        p.Value.Grad = Tensor.FromArray([3f, -0.01f, 250f, -7f, 0.5f], 5);
        var adam = new Adam([p], learningRate: 0.1f);
        adam.Step();
        float[] expected = [0.9f, 1.1f, 0.9f, 1.1f, 0.9f];
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(expected[i], p.Value.Span[i], 1e-5f);
        }
    }

    [Fact]
    public void ParametersWithoutGradientAreSkipped()
    {
        var a = Param("a", 1f, 2f);
        var b = Param("b", 3f);
        a.Value.Grad = Tensor.FromArray([1f, 1f], 2);
        var adam = new Adam([a, b], learningRate: 0.1f);
        adam.Step();
        Assert.Equal([3f], b.Value.ToArray());
        Assert.NotEqual([1f, 2f], a.Value.ToArray());
        adam.ZeroGrad();
        Assert.Null(a.Value.Grad);
    }

    [Fact]
    public void MinimisesAQuadratic()
    {
        // f(x) = Σ cᵢ (xᵢ − tᵢ)² with very different curvatures; ∇f = 2c(x − t).
        var rng = new Rng(4);
        int n = 20;
        var x = Tensor.RandomNormal(rng, 3f, n);
        float[] target = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i)).ToArray();
        float[] curvature = Enumerable.Range(0, n).Select(i => MathF.Pow(10f, (i % 4) - 2)).ToArray();
        var adam = new Adam([new("x", x)], learningRate: 0.05f);
        var schedule = new CosineSchedule(0.05f, totalSteps: 2000, warmupSteps: 20, floorLearningRate: 1e-4f);
        double Loss() => Enumerable.Range(0, n).Sum(i => curvature[i] * Math.Pow(x.Span[i] - target[i], 2));
        double initial = Loss();
        for (int step = 0; step < 2000; step++)
        {
            var g = x.EnsureGrad();
            for (int i = 0; i < n; i++)
            {
                g.Span[i] = 2 * curvature[i] * (x.Span[i] - target[i]);
            }
            adam.LearningRate = schedule.At(adam.StepCount);
            adam.Step();
        }
        Assert.True(Loss() < 1e-6 * initial, $"loss {Loss()} from {initial}");
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(target[i], x.Span[i], 1e-2f);
        }
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var p = Param("p", 1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p]) { LearningRate = float.NaN });
        Assert.Throws<ArgumentException>(() => new Adam([p, new("q", p.Value)]));
        Assert.Throws<ArgumentException>(() => new Adam([p, Param("p", 2f)]));
        p.Value.Grad = Tensor.Zeros(2);
        Assert.Throws<InvalidOperationException>(() => new Adam([p]).Step());
    }

    [Fact]
    public void VectorBodyAndScalarTailGiveBitIdenticalResults()
    {
        // The same elements updated as one long span (vector body) and one at a time (scalar tail).
        var rng = new Rng(5);
        int n = 103;
        float[] p = new float[n], g = new float[n], m = new float[n], v = new float[n];
        rng.FillNormal(p, 0f, 1f);
        rng.FillNormal(g, 0f, 1f);
        rng.FillUniform(m, -0.1f, 0.1f);
        rng.FillUniform(v, 0f, 0.1f);
        float[] p1 = (float[])p.Clone(), m1 = (float[])m.Clone(), v1 = (float[])v.Clone();
        Adam.Kernel(p, g, m, v, 0.9f, 0.999f, 0.01f, 1.3f, 1e-8f, 0.999f, 0.02f);
        for (int i = 0; i < n; i++)
        {
            Adam.Kernel(p1.AsSpan(i, 1), g.AsSpan(i, 1), m1.AsSpan(i, 1), v1.AsSpan(i, 1), 0.9f, 0.999f, 0.01f, 1.3f, 1e-8f, 0.999f, 0.02f);
        }
        Assert.Equal(p, p1);
        Assert.Equal(m, m1);
        Assert.Equal(v, v1);
    }

    [Fact]
    public void StepDoesNotAllocate()
    {
        var rng = new Rng(9);
        var parameters = new List<KeyValuePair<string, Tensor>>();
        for (int k = 0; k < 4; k++)
        {
            var p = Tensor.RandomNormal(rng, 1f, 1000 + k);
            p.Grad = Tensor.RandomNormal(rng, 1f, 1000 + k);
            parameters.Add(new($"p{k}", p));
        }
        var adam = new Adam(parameters, weightDecay: 0.01f, decoupledWeightDecay: true);
        for (int i = 0; i < 50; i++)
        {
            adam.Step();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            adam.Step();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
