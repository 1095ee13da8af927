using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Tensors;
using FastWeights.Tests.Autodiff;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

public class FeatureMapsTests
{
    [Theory]
    [InlineData(FeatureMap.Identity, 1)]
    [InlineData(FeatureMap.EluPlusOne, 1)]
    [InlineData(FeatureMap.Relu, 1)]
    [InlineData(FeatureMap.Dpfp, 1)]
    [InlineData(FeatureMap.Dpfp, 3)]
    public void FeatureMapsPassGradientCheck(FeatureMap map, int nu)
    {
        var x = GradCheck.AwayFromZero(new Rng(3), 2, 3, 4);
        GradCheck.Check(() => FastWeights.Autodiff.Ops.Mul(FeatureMaps.Apply(map, x, nu), FeatureMaps.Apply(map, x, nu)), [x]);
        Assert.Equal(FeatureMaps.OutputDim(map, 4, nu), FeatureMaps.Apply(map, x, nu).Dim(-1));
    }

    /// <summary>The streaming step's rows (<see cref="FeatureMaps.Row"/>) equal the tape ops bit for bit.</summary>
    [Theory]
    [InlineData(FeatureMap.Identity, KeyNormalization.L2, 1)]
    [InlineData(FeatureMap.EluPlusOne, KeyNormalization.Sum, 1)]
    [InlineData(FeatureMap.Relu, KeyNormalization.None, 1)]
    [InlineData(FeatureMap.Relu, KeyNormalization.Sum, 1)]
    [InlineData(FeatureMap.Dpfp, KeyNormalization.Sum, 2)]
    public void StreamingRowsEqualTheTapeOpsBitForBit(FeatureMap map, KeyNormalization normalization, int nu)
    {
        const int Rows = 3, D = 5;
        var x = GradCheck.Random(new Rng(7), -1f, 1f, Rows, D);
        var whole = FeatureMaps.Normalize(normalization, FeatureMaps.Apply(map, x, nu)).ToArray();
        int f = FeatureMaps.OutputDim(map, D, nu);
        var row = new float[f];
        for (int r = 0; r < Rows; r++)
        {
            FeatureMaps.Row(map, normalization, nu, x.Span.Slice(r * D, D), row, new float[2 * D]);
            Assert.Equal(whole.AsSpan(r * f, f).ToArray(), row);
        }
    }

    [Theory]
    [InlineData(KeyNormalization.Sum)]
    [InlineData(KeyNormalization.L2)]
    public void NormalizationsPassGradientCheck(KeyNormalization normalization)
    {
        // Positive inputs keep the sum away from zero.
        var x = GradCheck.Random(new Rng(4), 0.2f, 1.2f, 3, 5);
        GradCheck.Check(() => FeatureMaps.Normalize(normalization, x), [x], eps: 1e-3f);
    }

    [Fact]
    public void DpfpMatchesDefinition()
    {
        // x = [1, −2]: r = [1, 0, 0, 2]; ν = 2: rolled by 1 = [2, 1, 0, 0], rolled by 2 = [0, 2, 1, 0].
        var y = FeatureMaps.Dpfp(Tensor.FromArray([1f, -2f], 1, 2), 2);
        Assert.Equal(new float[] { 2, 0, 0, 0, 0, 0, 0, 0 }, y.ToArray());
        var z = FeatureMaps.Dpfp(Tensor.FromArray([1f, 2f, -3f], 3), 1);
        // r = [1, 2, 0, 0, 0, 3]; rolled by 1 = [3, 1, 2, 0, 0, 0]
        Assert.Equal(new float[] { 3, 2, 0, 0, 0, 0 }, z.ToArray());
    }

    [Fact]
    public void NormalizationsNormalize()
    {
        var x = Tensor.FromArray([3f, 4f, 1f, 1f], 2, 2);
        var l2 = FeatureMaps.L2Normalize(x).ToArray();
        Assert.Equal(0.6f, l2[0], 1e-5f);
        Assert.Equal(0.8f, l2[1], 1e-5f);
        var sum = FeatureMaps.SumNormalize(x).ToArray();
        Assert.Equal(3f / 7f, sum[0], 1e-5f);
        Assert.Equal(0.5f, sum[3], 1e-5f);
        Assert.Equal(new float[] { 4f, 5f, 0.5f }, FeatureMaps.EluPlusOne(Tensor.FromArray([3f, 4f, -0.6931472f], 3)).ToArray().Select(v => MathF.Round(v, 5)).ToArray());
    }
}
