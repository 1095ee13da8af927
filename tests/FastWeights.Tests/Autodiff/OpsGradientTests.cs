using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Tests.Autodiff;

public class OpsGradientTests
{
    private static Tensor R(Rng rng, params int[] shape) => GradCheck.Random(rng, -1f, 1f, shape);

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 1 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 1, 4 }, new[] { 1, 3, 1 })]
    public void AddSubMulDivBroadcast(int[] sa, int[] sb)
    {
        var rng = new Rng(1);
        var a = R(rng, sa);
        var b = R(rng, sb);
        GradCheck.Check(() => Ops.Add(a, b), [a, b]);
        GradCheck.Check(() => Ops.Sub(a, b), [a, b]);
        GradCheck.Check(() => Ops.Mul(a, b), [a, b]);
        var bPos = GradCheck.Random(rng, 0.5f, 1.5f, sb);
        GradCheck.Check(() => Ops.Div(a, bPos), [a, bPos]);
    }

    [Fact]
    public void ScaleAndAddScalar()
    {
        var rng = new Rng(2);
        var a = R(rng, 3, 5);
        GradCheck.Check(() => Ops.Scale(a, -2.5f), [a]);
        GradCheck.Check(() => Ops.AddScalar(a, 3f), [a]);
    }

    [Fact]
    public void Activations()
    {
        var rng = new Rng(3);
        var a = GradCheck.AwayFromZero(rng, 4, 5);
        GradCheck.Check(() => Ops.Relu(a), [a]);
        GradCheck.Check(() => Ops.Tanh(a), [a]);
        GradCheck.Check(() => Ops.Sigmoid(a), [a]);
        GradCheck.Check(() => Ops.Exp(a), [a]);
        GradCheck.Check(() => Ops.Softplus(Ops.Scale(a, 3f)), [a]);
        var pos = GradCheck.Random(rng, 0.5f, 2f, 4, 5);
        GradCheck.Check(() => Ops.Log(pos), [pos]);
    }

    [Fact]
    public void SoftmaxAndLogSoftmax()
    {
        var rng = new Rng(4);
        var a = GradCheck.Random(rng, -2f, 2f, 3, 2, 6);
        GradCheck.Check(() => Ops.Softmax(a), [a]);
        GradCheck.Check(() => Ops.LogSoftmax(a), [a]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMul(bool transA, bool transB)
    {
        var rng = new Rng(5);
        int m = 3, k = 4, n = 5;
        var a = transA ? R(rng, k, m) : R(rng, m, k);
        var b = transB ? R(rng, n, k) : R(rng, k, n);
        GradCheck.Check(() => Ops.MatMul(a, b, transA, transB), [a, b]);
    }

    [Fact]
    public void MatMulWithLeadingAxes()
    {
        var rng = new Rng(6);
        var a = R(rng, 2, 3, 4);
        var b = R(rng, 4, 5);
        GradCheck.Check(() => Ops.MatMul(a, b), [a, b]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void BatchedMatMul(bool transA, bool transB)
    {
        var rng = new Rng(7);
        int m = 2, k = 3, n = 4;
        var a = transA ? R(rng, 2, 2, k, m) : R(rng, 2, 2, m, k);
        var b = transB ? R(rng, 2, 2, n, k) : R(rng, 2, 2, k, n);
        GradCheck.Check(() => Ops.BatchedMatMul(a, b, transA, transB), [a, b]);
    }

    [Fact]
    public void Linear()
    {
        var rng = new Rng(8);
        var x = R(rng, 2, 3, 4);
        var w = R(rng, 5, 4);
        var b = R(rng, 5);
        GradCheck.Check(() => Ops.Linear(x, w, b), [x, w, b]);
    }

    [Fact]
    public void LayerNormWithAndWithoutAffine()
    {
        var rng = new Rng(9);
        var x = GradCheck.Random(rng, -2f, 2f, 3, 6);
        var g = GradCheck.Random(rng, 0.5f, 1.5f, 6);
        var b = R(rng, 6);
        GradCheck.Check(() => Ops.LayerNorm(x, g, b), [x, g, b]);
        GradCheck.Check(() => Ops.LayerNorm(x, null, null), [x]);
    }

    [Fact]
    public void EmbeddingGatherWithRepeatedIds()
    {
        var rng = new Rng(10);
        var w = R(rng, 5, 3);
        int[] ids = [1, 4, 1, 0, 4, 4];
        GradCheck.Check(() => Ops.Embedding(w, ids, [2, 3]), [w]);
    }

    [Fact]
    public void ShapeOps()
    {
        var rng = new Rng(11);
        var a = R(rng, 2, 3, 4);
        var b = R(rng, 2, 2, 4);
        GradCheck.Check(() => Ops.Reshape(a, 6, -1), [a]);
        GradCheck.Check(() => Ops.Slice(a, 1, 1, 2), [a]);
        GradCheck.Check(() => Ops.Slice(a, -1, 0, 3), [a]);
        GradCheck.Check(() => Ops.Concat([a, b], 1), [a, b]);
        GradCheck.Check(() => Ops.Transpose(a, 0, 2), [a]);
        GradCheck.Check(() => Ops.Transpose(a, 1, 2), [a]);
    }

    [Fact]
    public void Reductions()
    {
        var rng = new Rng(12);
        var a = R(rng, 2, 3, 4);
        GradCheck.Check(() => Ops.Sum(a), [a]);
        GradCheck.Check(() => Ops.Mean(a), [a]);
        GradCheck.Check(() => Ops.Sum(a, 1), [a]);
        GradCheck.Check(() => Ops.Mean(a, -1, keepDim: true), [a]);
        GradCheck.Check(() => Ops.Sum(a, 0), [a]);
    }

    [Fact]
    public void CrossEntropyWithIgnoreIndex()
    {
        var rng = new Rng(13);
        var logits = GradCheck.Random(rng, -2f, 2f, 5, 4);
        int[] targets = [0, 3, Ops.DefaultIgnoreIndex, 2, 1];
        GradCheck.Check(() => Ops.CrossEntropy(logits, targets), [logits]);
    }

    [Fact]
    public void CrossEntropyMatchesDefinition()
    {
        var logits = Tensor.FromArray([1f, 2f, 3f, 0f, 0f, 0f], 2, 3);
        var loss = Ops.CrossEntropy(logits, [2, -100]);
        double expected = -Math.Log(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        Assert.Equal(expected, loss.Item(), 5);
    }

    [Fact]
    public void ComposedGraphReusesATensor()
    {
        // y = tanh(x·W) ⊙ x·W, with x·W used twice: gradients from both uses must add up.
        var rng = new Rng(14);
        var x = R(rng, 3, 4);
        var w = R(rng, 4, 4);
        GradCheck.Check(
            () =>
            {
                var h = Ops.MatMul(x, w);
                return Ops.Mul(Ops.Tanh(h), h);
            },
            [x, w]);
    }

    [Fact]
    public void SoftplusFollowsItsDefinitionAndThreshold()
    {
        var x = new Tensor([-30f, -2f, 0f, 1.5f, 19f, 25f], 0, [6]);
        var y = Ops.Softplus(x).Span;
        Assert.Equal(0f, y[0], 1e-12f);
        Assert.Equal(MathF.Log(1f + MathF.Exp(-2f)), y[1], 1e-6f);
        Assert.Equal(MathF.Log(2f), y[2], 1e-6f);
        Assert.Equal(MathF.Log(1f + MathF.Exp(1.5f)), y[3], 1e-6f);
        Assert.Equal(19f, y[4], 1e-5f);
        Assert.Equal(25f, y[5]);
    }

    [Fact]
    public void RmsNormPassesGradientCheckAndNormalises()
    {
        var rng = new Rng(9);
        var a = R(rng, 3, 2, 6);
        var gain = GradCheck.Random(rng, 0.5f, 1.5f, 6);
        GradCheck.Check(() => Ops.RmsNorm(a, gain, 1e-6f), [a, gain]);
        GradCheck.Check(() => Ops.RmsNorm(a, null, 1e-3f), [a]);
        // Without a gain each row has mean square 1 (up to ε).
        var y = Ops.RmsNorm(a, null, 0f).Span;
        for (int row = 0; row < 6; row++)
        {
            float ms = 0f;
            for (int i = 0; i < 6; i++)
            {
                ms += y[(row * 6) + i] * y[(row * 6) + i];
            }
            Assert.Equal(1f, ms / 6f, 1e-5f);
        }
    }
}
