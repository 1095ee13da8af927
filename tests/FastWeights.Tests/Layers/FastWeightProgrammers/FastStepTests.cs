using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Models;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

/// <summary>
/// The fused streaming step of <see cref="FastWeightProgrammerLayer"/> and <see cref="SequenceModel"/> against the
/// step through the generic tape ops, and its steady-state allocation.
/// </summary>
public sealed class FastStepTests
{
    public static TheoryData<FastWeightRule, bool, int> RulesConvBatch()
    {
        var data = new TheoryData<FastWeightRule, bool, int>();
        foreach (var rule in Enum.GetValues<FastWeightRule>())
        {
            foreach (bool conv in new[] { false, true })
            {
                data.Add(rule, conv, 1);
                data.Add(rule, conv, 3);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RulesConvBatch))]
    public void FastStepEqualsTheGenericStep(FastWeightRule rule, bool conv, int batch) =>
        // d = 32 with 2 heads: d_k = 16 (whole AVX vectors).
        CompareWithGeneric(FastWeightLayerOptions.For(rule, heads: 2) with { ShortConv = conv }, 32, batch);

    public static TheoryData<FeatureMap, KeyNormalization> MapsAndNorms() => new()
    {
        { FeatureMap.Relu, KeyNormalization.Sum },
        { FeatureMap.EluPlusOne, KeyNormalization.L2 },
        { FeatureMap.Identity, KeyNormalization.None },
        { FeatureMap.Dpfp, KeyNormalization.Sum },
    };

    [Theory]
    [MemberData(nameof(MapsAndNorms))]
    public void FastStepHandlesEveryFeatureMap(FeatureMap map, KeyNormalization norm)
    {
        foreach (var rule in new[] { FastWeightRule.Linear, FastWeightRule.GatedDelta })
        {
            CompareWithGeneric(FastWeightLayerOptions.For(rule, heads: 2) with { FeatureMap = map, Normalization = norm, DpfpNu = 2 }, 16, 2);
        }
    }

    [Fact]
    public void FastStepHandlesSizesOffTheVectorWidth()
    {
        // d_k = 5 (scalar paths), d_k = 13 and d_v = 11 (vector bodies with tails), a 3-tap convolution.
        CompareWithGeneric(FastWeightLayerOptions.For(FastWeightRule.Delta, heads: 2) with { ConvKernel = 3 }, 10, 2);
        CompareWithGeneric(FastWeightLayerOptions.For(FastWeightRule.GatedDelta, heads: 3) with { KeyDim = 13, ValueDim = 11 }, 20, 2);
        CompareWithGeneric(FastWeightLayerOptions.For(FastWeightRule.Decay, heads: 1) with { KeyDim = 9, ValueDim = 7, OutputNorm = false, ConvKernel = 1 }, 12, 1);
    }

    // Two states stepped side by side, one through the fast step, one through the tape ops: outputs, fast weights
    // and convolution histories agree to float rounding at every token.
    private static void CompareWithGeneric(FastWeightLayerOptions options, int d, int batch)
    {
        var rng = new Rng(31);
        var layer = new FastWeightProgrammerLayer(rng, d, options);
        var fast = layer.CreateState(batch);
        var generic = layer.CreateState(batch);
        for (int t = 0; t < 12; t++)
        {
            var x = Tensor.RandomNormal(rng, 1f, batch, d);
            var want = layer.StepGeneric(generic, x);
            var got = layer.Step(fast, x);
            string where = $"{options.Rule} {options.FeatureMap}/{options.Normalization} conv {options.ShortConv} B {batch} t {t}";
            AssertClose(want.Span, got.Span, where + " y");
            AssertClose(generic.FastWeights.Span, fast.FastWeights.Span, where + " S");
            if (options.ShortConv)
            {
                AssertClose(generic.QueryHistory!.Span, fast.QueryHistory!.Span, where + " q history");
                AssertClose(generic.ValueHistory!.Span, fast.ValueHistory!.Span, where + " v history");
            }
        }
        Assert.Equal(12, fast.Position);
    }

    private static void AssertClose(ReadOnlySpan<float> want, ReadOnlySpan<float> got, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(Math.Abs(want[i] - got[i]) <= 1e-5f + (1e-4f * Math.Abs(want[i])), $"{what} [{i}]: generic {want[i]}, fast {got[i]}");
        }
    }

    [Fact]
    public void FastStepChecksTheState()
    {
        var layer = new FastWeightProgrammerLayer(new Rng(1), 8, FastWeightLayerOptions.For(FastWeightRule.Delta, heads: 2));
        var other = new FastWeightProgrammerLayer(new Rng(1), 8, FastWeightLayerOptions.For(FastWeightRule.Delta, heads: 4));
        var e = Assert.Throws<ArgumentException>(() => layer.Step(other.CreateState(1), Tensor.Zeros(1, 8)));
        Assert.Contains("The state must be", e.Message);
        var noConv = new FastWeightProgrammerLayer(new Rng(1), 8, FastWeightLayerOptions.For(FastWeightRule.Delta, heads: 2) with { ShortConv = false });
        Assert.Contains("convolution history", Assert.Throws<ArgumentException>(() => layer.Step(noConv.CreateState(1), Tensor.Zeros(1, 8))).Message);
        Assert.Throws<ArgumentException>(() => layer.Step(layer.CreateState(2), Tensor.Zeros(1, 8)));
    }

    /// <summary>
    /// Once its state exists, stepping a DeltaNet model allocates nothing per token with caller-owned logits, and only
    /// the logits tensor with the returning overload; the generic tape step allocates kilobytes (so the bound means something).
    /// </summary>
    [Theory]
    [InlineData("deltanet", 1)]
    [InlineData("gated-deltanet", 2)]
    [InlineData("linear-attention", 1)]
    public void SteadyStateStepAllocatesNothing(string name, int batch)
    {
        const int classes = 50, d = 32, tokens = 20;
        var model = ModelCatalog.Find(name).CreateSequenceModel(new Rng(5), 50, classes, new SequenceModelOptions { ModelDim = d, Heads = 2, Layers = 2 });
        var state = model.CreateState(batch);
        var logits = new float[batch * classes];
        var ids = new int[batch];
        for (int i = 0; i < 3; i++)
        {
            model.Step(state, ids, logits);
            model.Step(state, ids);
        }
        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < tokens; i++)
        {
            ids[0] = i;
            model.Step(state, ids, logits);
        }
        long spanOverload = (GC.GetAllocatedBytesForCurrentThread() - start) / tokens;
        Assert.True(spanOverload < 16, $"{spanOverload} bytes per token with caller-owned logits");

        start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < tokens; i++)
        {
            model.Step(state, ids);
        }
        long tensorOverload = (GC.GetAllocatedBytesForCurrentThread() - start) / tokens;
        long logitsBytes = batch * classes * sizeof(float);
        Assert.True(tensorOverload < logitsBytes + 256, $"{tensorOverload} bytes per token returning logits of {logitsBytes} bytes");

        var layer = (FastWeightProgrammerLayer)model.Blocks[0].Mixer;
        var layerState = layer.CreateState(batch);
        var x = Tensor.Zeros(batch, d);
        layer.StepGeneric(layerState, x);
        start = GC.GetAllocatedBytesForCurrentThread();
        layer.StepGeneric(layerState, x);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - start > 4096);
    }
}
