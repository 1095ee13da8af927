using FastWeights.Autodiff;
using FastWeights.Layers.Attention;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Layers.Recurrent;
using FastWeights.Models;
using FastWeights.Tensors;
using FastWeights.Tests.Autodiff;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

/// <summary>Gradient checks of the sequence layers, the streaming API against the full forward pass, and the model catalog.</summary>
public sealed class FastWeightLayerTests
{
    public static TheoryData<FastWeightRule, bool> RulesAndConv()
    {
        var data = new TheoryData<FastWeightRule, bool>();
        foreach (var rule in Enum.GetValues<FastWeightRule>())
        {
            data.Add(rule, false);
            data.Add(rule, true);
        }
        return data;
    }

    [Fact]
    public void CausalConvolutionPassesGradientCheck()
    {
        var rng = new Rng(3);
        var x = GradCheck.Random(rng, -1f, 1f, 2, 5, 3);
        var w = GradCheck.Random(rng, -1f, 1f, 3, 4);
        var b = GradCheck.Random(rng, -1f, 1f, 3);
        var history = GradCheck.Random(rng, -1f, 1f, 2, 3, 3);
        GradCheck.Check(() => CausalDepthwiseConvOp.Forward(x, w, b), [x, w, b]);
        GradCheck.Check(() => CausalDepthwiseConvOp.Forward(x, w, b, history), [x, w, b]);
    }

    [Fact]
    public void CausalConvolutionIsCausalAndUsesHistory()
    {
        var rng = new Rng(4);
        var x = GradCheck.Random(rng, -1f, 1f, 1, 6, 2);
        var w = GradCheck.Random(rng, -1f, 1f, 2, 3);
        var y = CausalDepthwiseConvOp.Forward(x, w, null);
        // y[t, c] = Σ_j w[c, j] x[t − 2 + j, c]; check t = 0 (only the current tap) and t = 4 by hand.
        Assert.Equal(w[0, 2] * x[0, 0, 0], y[0, 0, 0], 6);
        Assert.Equal((w[1, 0] * x[0, 2, 1]) + (w[1, 1] * x[0, 3, 1]) + (w[1, 2] * x[0, 4, 1]), y[0, 4, 1], 5);
        // Running the second half with the first half's last two inputs as history equals the full run.
        var second = CausalDepthwiseConvOp.Forward(Tensor.FromArray(x.Span.Slice(6, 6).ToArray(), 1, 3, 2), w, null, Tensor.FromArray(x.Span.Slice(2, 4).ToArray(), 1, 2, 2));
        Assert.Equal(y.Span.Slice(6, 6).ToArray(), second.ToArray());
    }

    [Theory]
    [MemberData(nameof(RulesAndConv))]
    public void FastWeightLayerPassesGradientCheck(FastWeightRule rule, bool conv)
    {
        var rng = new Rng(11);
        // Recurrent mode keeps float32 rounding small; the op helper checks chunkwise = recurrent.
        var options = FastWeightLayerOptions.For(rule, heads: 2) with { ShortConv = conv, Mode = FastWeightComputeMode.Recurrent };
        // d_v = 4: a LayerNorm over 2 values is ±1 and nearly singular, useless for finite differences.
        var layer = new FastWeightProgrammerLayer(rng, 8, options);
        var x = GradCheck.Random(rng, -1f, 1f, 2, 4, 8);
        var inputs = new List<Tensor> { x };
        inputs.AddRange(layer.Parameters());
        GradCheck.Check(() => layer.Forward(x), [.. inputs], eps: 1e-3f, atol: 1e-2, rtol: 3e-2);
    }

    [Fact]
    public void SoftmaxAttentionPassesGradientCheckAndIsCausal()
    {
        var rng = new Rng(12);
        var layer = new SoftmaxAttentionLayer(rng, 4, 2);
        var x = GradCheck.Random(rng, -1f, 1f, 2, 5, 4);
        GradCheck.Check(() => layer.Forward(x), [x, .. layer.Parameters()]);

        using var _ = Tape.NoGrad();
        var y = layer.Forward(x);
        var changed = x.Clone();
        changed.Span.Slice(4 * 4, 4).Fill(3f); // token 4 of sequence 0
        var y2 = layer.Forward(changed);
        Assert.Equal(y.Span[..16].ToArray(), y2.Span[..16].ToArray());
        Assert.NotEqual(y.Span.Slice(16, 4).ToArray(), y2.Span.Slice(16, 4).ToArray());
    }

    [Fact]
    public void BlockAndRecurrentMixerPassGradientCheck()
    {
        var rng = new Rng(13);
        var block = new SequenceBlock(rng, new FastWeightProgrammerLayer(rng, 8, FastWeightLayerOptions.For(FastWeightRule.Delta, 2) with { Mode = FastWeightComputeMode.Recurrent }), mlpHidden: 16);
        var x = GradCheck.Random(rng, -1f, 1f, 2, 4, 8);
        GradCheck.Check(() => block.Forward(x), [x, .. block.Parameters()], eps: 5e-3f, atol: 1e-2, rtol: 5e-2);

        var mixer = new RecurrentMixer(rng, 8, (r, d) => ModelCatalog.Find("fw-rnn").CreateLayer(r, d, 5, new FastWeightRnnOptions()));
        GradCheck.Check(() => mixer.Forward(x), [x, .. mixer.Parameters()], eps: 5e-3f, atol: 1e-2, rtol: 5e-2);
    }

    [Theory]
    [MemberData(nameof(RulesAndConv))]
    public void StreamingStepsEqualTheFullForwardPass(FastWeightRule rule, bool conv) =>
        CheckStreaming(FastWeightLayerOptions.For(rule, heads: 2) with { ShortConv = conv, ChunkSize = 4 });

    /// <summary>fla's conventions as layer options (<see cref="LayerConventionsExtensions.LayerOptions"/>), with and without the convolution.</summary>
    public static TheoryData<FastWeightRule, bool> FlaRulesAndConv() => new()
    {
        { FastWeightRule.Delta, true },
        { FastWeightRule.Delta, false },
        { FastWeightRule.GatedDelta, true },
        { FastWeightRule.GatedDelta, false },
    };

    private static FastWeightLayerOptions FlaOptions(FastWeightRule rule, bool conv) =>
        new SequenceModelOptions { Heads = 2, ShortConv = conv, Conventions = LayerConventions.Fla }.LayerOptions(rule) with { ChunkSize = 4 };

    [Theory]
    [MemberData(nameof(FlaRulesAndConv))]
    public void FlaLayerPassesGradientCheck(FastWeightRule rule, bool conv)
    {
        var rng = new Rng(12);
        var options = FlaOptions(rule, conv) with { Mode = FastWeightComputeMode.Recurrent };
        var layer = new FastWeightProgrammerLayer(rng, 8, options);
        var names = layer.NamedParameters().Select(p => p.Key).ToHashSet();
        Assert.Equal(rule == FastWeightRule.GatedDelta, names.Contains("g_proj.weight") && names.Contains("A_log") && names.Contains("dt_bias"));
        Assert.DoesNotContain("beta_proj.bias", names);
        Assert.DoesNotContain("out_norm.bias", names);
        Assert.DoesNotContain(names, n => n.EndsWith("conv.bias", StringComparison.Ordinal));
        var x = GradCheck.Random(rng, -1f, 1f, 2, 4, 8);
        var inputs = new List<Tensor> { x };
        inputs.AddRange(layer.Parameters());
        GradCheck.Check(() => layer.Forward(x), [.. inputs], eps: 1e-3f, atol: 1e-2, rtol: 3e-2);
    }

    [Theory]
    [MemberData(nameof(FlaRulesAndConv))]
    public void FlaStreamingStepsEqualTheFullForwardPass(FastWeightRule rule, bool conv) => CheckStreaming(FlaOptions(rule, conv));

    [Fact]
    public void FlaConventionsChangeTheOutput()
    {
        // Each of fla's variants is live: the same weights give another output without it.
        var options = FlaOptions(FastWeightRule.GatedDelta, conv: true);
        var x = Tensor.RandomNormal(new Rng(5), 1f, 1, 6, 8);
        using var _ = Tape.NoGrad();
        var reference = new FastWeightProgrammerLayer(new Rng(4), 8, options).Forward(x);
        foreach (var variant in new[] { options with { ScaleQuery = false }, options with { NormEps = 1e-1f } })
        {
            var y = new FastWeightProgrammerLayer(new Rng(4), 8, variant).Forward(x);
            Assert.True(MaxAbsDiff(reference, y) > 1e-4f);
        }
    }

    private static float MaxAbsDiff(Tensor a, Tensor b)
    {
        float m = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            m = MathF.Max(m, MathF.Abs(a.Span[i] - b.Span[i]));
        }
        return m;
    }

    [Fact]
    public void StreamingWorksWithDpfpFeatures()
    {
        var options = FastWeightLayerOptions.For(FastWeightRule.Linear, heads: 2) with { FeatureMap = FeatureMap.Dpfp, DpfpNu = 2, ChunkSize = 4 };
        Assert.Equal(16, new FastWeightProgrammerLayer(new Rng(1), 8, options).FeatureDim);
        CheckStreaming(options);
    }

    private static void CheckStreaming(FastWeightLayerOptions options)
    {
        var rng = new Rng(21);
        int b = 2, t = 9, d = 8;
        var layer = new FastWeightProgrammerLayer(rng, d, options);
        var x = Tensor.RandomNormal(rng, 1f, b, t, d);
        using var _ = Tape.NoGrad();
        var (full, finalState) = layer.Forward(x, null);
        var state = layer.CreateState(b);
        for (int ti = 0; ti < t; ti++)
        {
            var xt = Tensor.Zeros(b, d);
            for (int bi = 0; bi < b; bi++)
            {
                x.Span.Slice(((bi * t) + ti) * d, d).CopyTo(xt.Span.Slice(bi * d, d));
            }
            var yt = layer.Step(state, xt);
            for (int bi = 0; bi < b; bi++)
            {
                var expected = full.Span.Slice(((bi * t) + ti) * d, d);
                var actual = yt.Span.Slice(bi * d, d);
                for (int i = 0; i < d; i++)
                {
                    Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4f, $"t={ti} b={bi} i={i}: full {expected[i]}, step {actual[i]}");
                }
            }
        }
        Assert.Equal(t, state.Position);
        var fs = finalState.Span;
        var ss = state.FastWeights.Span;
        for (int i = 0; i < fs.Length; i++)
        {
            Assert.True(Math.Abs(fs[i] - ss[i]) < 1e-4f, $"state {i}: {fs[i]} vs {ss[i]}");
        }
    }

    [Fact]
    public void ChunkwiseAndRecurrentLayersAgree()
    {
        var rng = new Rng(22);
        var x = Tensor.RandomNormal(rng, 1f, 2, 11, 8);
        foreach (var rule in Enum.GetValues<FastWeightRule>())
        {
            var a = new FastWeightProgrammerLayer(new Rng(5), 8, FastWeightLayerOptions.For(rule, 2) with { ChunkSize = 4 });
            var r = new FastWeightProgrammerLayer(new Rng(5), 8, FastWeightLayerOptions.For(rule, 2) with { Mode = FastWeightComputeMode.Recurrent });
            using var _ = Tape.NoGrad();
            var ya = a.Forward(x).Span;
            var yr = r.Forward(x).Span;
            for (int i = 0; i < ya.Length; i++)
            {
                Assert.True(Math.Abs(ya[i] - yr[i]) < 1e-4f, $"{rule} element {i}: {ya[i]} vs {yr[i]}");
            }
        }
    }

    [Fact]
    public void CatalogBuildsEveryModelWithPerPositionLogits()
    {
        var options = new SequenceModelOptions { ModelDim = 8, Layers = 2, Heads = 2, MaxPositions = 6, RecurrentHidden = 6 };
        int[] ids = [1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1];
        foreach (var name in new[] { "linear-attention", "decay-attention", "deltanet", "gated-deltanet", "transformer", "fw-rnn", "lstm" })
        {
            var model = ModelCatalog.Find(name).CreateSequenceModel(new Rng(1), 10, 7, options);
            using var _ = Tape.NoGrad();
            var logits = model.Forward(ids, 2, 6);
            Assert.Equal([2, 6, 7], logits.ShapeArray());
            Assert.All(logits.ToArray(), v => Assert.True(float.IsFinite(v)));
        }
        Assert.Throws<ArgumentException>(() => ModelCatalog.Find("mamba"));
    }
}
