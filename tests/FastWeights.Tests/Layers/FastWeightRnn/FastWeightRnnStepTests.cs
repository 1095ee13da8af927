using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.FastWeightRnn;

public class FastWeightRnnStepTests
{
    [Theory]
    [InlineData(1, true, true)]
    [InlineData(3, true, true)]
    [InlineData(1, true, false)]
    [InlineData(1, false, true)]
    [InlineData(1, false, false)]
    public void StepByStepEqualsTheWholeSequenceForward(int innerSteps, bool fast, bool layerNorm)
    {
        const int B = 3, T = 9, D = 5, R = 12;
        var options = new FastWeightRnnOptions { InnerSteps = innerSteps, UseFastWeights = fast, UseLayerNorm = layerNorm, Eta = layerNorm ? 0.5f : 0.05f };
        var rng = new Rng(7);
        var layer = new FastWeightRnnLayer(rng, D, R, options, recurrentScale: 0.3f);
        rng.FillNormal(layer.RecurrentWeight.Span, 0f, 0.2f);
        var x = Tensor.RandomNormal(rng, layerNorm ? 1f : 0.3f, B, T, D);
        Tensor u, h;
        using (Tape.NoGrad())
        {
            u = layer.Project(x);
            h = layer.Recur(u);
        }

        var state = layer.CreateState(B);
        var ut = new float[B * R];
        var ht = new float[B * R];
        float maxDiff = 0;
        for (int t = 0; t < T; t++)
        {
            for (int b = 0; b < B; b++)
            {
                u.Span.Slice(((b * T) + t) * R, R).CopyTo(ut.AsSpan(b * R, R));
            }
            layer.Step(state, ut, ht);
            for (int b = 0; b < B; b++)
            {
                for (int i = 0; i < R; i++)
                {
                    float expected = h.Span[(((b * T) + t) * R) + i];
                    maxDiff = Math.Max(maxDiff, Math.Abs(expected - ht[(b * R) + i]) / (1f + Math.Abs(expected)));
                }
            }
        }
        Assert.Equal(T, state.Position);
        Assert.True(maxDiff < 1e-5f, $"max relative difference {maxDiff}");
        Assert.Contains(ht, v => v > 0f);

        // Reset starts the streams again from zero.
        state.Reset();
        u.Span.Slice(0, R).CopyTo(ut);
        layer.Step(state, ut, ht);
        Assert.Equal(h.Span.Slice(0, R).ToArray(), ht.AsSpan(0, R).ToArray());
    }

    [Fact]
    public void StepRejectsMismatchedShapes()
    {
        var layer = new FastWeightRnnLayer(new Rng(1), 4, 6, new FastWeightRnnOptions());
        var state = layer.CreateState(2);
        Assert.Throws<ArgumentException>(() => layer.Step(state, new float[6], new float[12]));
        Assert.Throws<ArgumentException>(() => layer.Step(new FastWeightRnnState(2, 5), new float[12], new float[12]));
    }
}
