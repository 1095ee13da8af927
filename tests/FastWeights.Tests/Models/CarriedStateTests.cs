using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Tests.Autodiff;
using FastWeights.Training;

namespace FastWeights.Tests.Models;

/// <summary>
/// Carried state (<c>--carry-state</c>): segments run one after another from the state the previous one left give the
/// logits and the state of one pass over their concatenation; the gradient of a segment treats the incoming state as a
/// constant; carried evaluation scores every window once and equals one pass per stream.
/// </summary>
public class CarriedStateTests
{
    public static TheoryData<FastWeightRule, bool> Rules() => new()
    {
        { FastWeightRule.Linear, false },
        { FastWeightRule.Decay, true },
        { FastWeightRule.Delta, true },
        { FastWeightRule.Delta, false },
        { FastWeightRule.GatedDelta, true },
    };

    // mlpRatio 0 leaves no ReLU kink for central differences to step across.
    private static SequenceModel Model(FastWeightRule rule, bool shortConv, ulong seed = 3, int mlpRatio = 2) =>
        new(new Rng(seed), 11, 11, new SequenceModelOptions { ModelDim = 16, Layers = 2, Heads = 2, ShortConv = shortConv, MlpRatio = mlpRatio },
            (r, _) => new FastWeightProgrammerLayer(r, 16, FastWeightLayerOptions.For(rule, 2) with { ShortConv = shortConv }));

    private static int[] Ids(int batch, int length, ulong seed)
    {
        var rng = new Rng(seed);
        return [.. Enumerable.Range(0, batch * length).Select(_ => rng.NextInt(11))];
    }

    // Columns [from, from + n) of ids laid out [B, T].
    private static int[] Columns(int[] ids, int batch, int length, int from, int n) =>
        [.. Enumerable.Range(0, batch).SelectMany(b => ids.Skip((b * length) + from).Take(n))];

    [Theory]
    [MemberData(nameof(Rules))]
    public void SegmentsFromTheCarriedStateEqualOnePassOverTheirConcatenation(FastWeightRule rule, bool shortConv)
    {
        using var _ = Tape.NoGrad();
        var model = Model(rule, shortConv);
        Assert.True(model.CanCarryState);
        const int b = 2, t = 13;
        var ids = Ids(b, t, 9);
        var whole = model.Forward(ids, b, t).Span.ToArray();
        // Segments of 5, 2 (shorter than the convolution's history of 3) and 6 tokens.
        var state = model.CreateState(b);
        int from = 0;
        foreach (int n in new[] { 5, 2, 6 })
        {
            var logits = model.Forward(Columns(ids, b, t, from, n), b, n, state).Span;
            for (int bi = 0; bi < b; bi++)
            {
                for (int i = 0; i < n; i++)
                {
                    for (int c = 0; c < 11; c++)
                    {
                        Assert.Equal(whole[(((bi * t) + from + i) * 11) + c], logits[(((bi * n) + i) * 11) + c], 4e-5f);
                    }
                }
            }
            from += n;
        }
        // The state left equals the state of streaming every token.
        var streamed = model.CreateState(b);
        for (int i = 0; i < t; i++)
        {
            model.Step(streamed, Columns(ids, b, t, i, 1));
        }
        var carried = model.StateTensors(state).ToList();
        var stepped = model.StateTensors(streamed).ToList();
        Assert.Equal(stepped.Select(p => p.Key), carried.Select(p => p.Key));
        Assert.Contains(carried, p => p.Key == "blocks.1.fast_weights");
        Assert.Equal(shortConv, carried.Any(p => p.Key == "blocks.0.k_history"));
        for (int i = 0; i < carried.Count; i++)
        {
            var x = carried[i].Value.Span;
            var y = stepped[i].Value.Span;
            for (int j = 0; j < x.Length; j++)
            {
                Assert.Equal(y[j], x[j], 4e-5f);
            }
        }
        Assert.Equal(t, state.Position);
    }

    /// <summary>The gradient of a carried segment, against central differences with the incoming state held fixed (the convolution history's taps included).</summary>
    [Theory]
    [InlineData(FastWeightRule.Delta)]
    [InlineData(FastWeightRule.GatedDelta)]
    public void TheGradientOfACarriedSegmentHoldsTheIncomingStateConstant(FastWeightRule rule)
    {
        var model = Model(rule, shortConv: true, mlpRatio: 0);
        const int b = 2, t = 4;
        var state = model.CreateState(b);
        using (Tape.NoGrad())
        {
            model.Forward(Ids(b, 6, 1), b, 6, state);
        }
        var saved = model.StateTensors(state).Select(p => p.Value.Span.ToArray()).ToList();
        Assert.Contains(saved, s => s.Any(v => v != 0));
        var ids = Ids(b, t, 2);
        Tensor Segment()
        {
            var fresh = model.CreateState(b);
            var tensors = model.StateTensors(fresh).ToList();
            for (int i = 0; i < tensors.Count; i++)
            {
                saved[i].CopyTo(tensors[i].Value.Span);
            }
            return model.Forward(ids, b, t, fresh);
        }
        var named = model.NamedParameters();
        Tensor[] checkedParameters = [.. named.Where(p => p.Key.Contains("conv", StringComparison.Ordinal) || p.Key.EndsWith("q_proj.weight", StringComparison.Ordinal) || p.Key.EndsWith("beta_proj.weight", StringComparison.Ordinal)).Select(p => p.Value)];
        Assert.True(checkedParameters.Length >= 8);
        GradCheck.Check(Segment, checkedParameters, eps: 1e-3f, atol: 5e-3, rtol: 3e-2);
    }

    [Fact]
    public void CarriedEvaluationScoresEveryWindowOnceAndEqualsOnePassPerStream()
    {
        var model = Model(FastWeightRule.Delta, shortConv: true);
        var text = Ids(1, 7 * 8 + 1, 4);
        var bytes = text.Select(i => (byte)i).ToArray();
        var windows = FastWeights.Tasks.LanguageModelling.TextSplits.Windows(bytes, 8);
        Assert.Equal(7, windows.Count);
        var perWindow = Evaluator.Evaluate(model, windows);
        // One stream: the carried evaluation is one pass over the 56 tokens.
        var one = Evaluator.EvaluateCarried(model, windows, streams: 1);
        Assert.Equal(perWindow.Count, one.Count);
        var whole = new TokenDataset(text[..56], text[1..57], 56);
        var pass = Evaluator.Evaluate(model, whole);
        Assert.Equal(pass.Loss, one.Loss, 1e-5);
        Assert.Equal(pass.Accuracy, one.Accuracy, 12);
        // Three streams of 3, 3 and 1 windows (two padding positions): every window once, each stream one pass.
        var three = Evaluator.EvaluateCarried(model, windows, streams: 3);
        Assert.Equal(perWindow.Count, three.Count);
        double expected = 0;
        foreach (var (start, count) in new[] { (0, 3), (3, 3), (6, 1) })
        {
            var stream = new TokenDataset(text[(start * 8)..((start + count) * 8)], text[((start * 8) + 1)..(((start + count) * 8) + 1)], count * 8);
            expected += Evaluator.Evaluate(model, stream).Loss * count * 8;
        }
        Assert.Equal(expected / 56, three.Loss, 1e-5);
        // Across windows the state carries information: the carried loss differs from the window-by-window one.
        Assert.NotEqual(perWindow.Loss, one.Loss, 1e-4);
    }

    [Fact]
    public void StreamsCoverTheSplitInTextOrder()
    {
        var training = new SegmentStreams(10, 3, coverAll: false);
        Assert.Equal(3, training.PerStream);
        Assert.Equal([0, 3, 6], Enumerable.Range(0, 3).Select(b => training.Window(b, 0)));
        Assert.Equal([2, 5, 8], Enumerable.Range(0, 3).Select(b => training.Window(b, 5)));
        Assert.True(training.StartsOver(6));
        Assert.False(training.StartsOver(7));
        // A horizon of 2 windows: the states also start over within the streams' 3 windows, at every stream's 2nd window.
        var horizon = new SegmentStreams(10, 3, coverAll: false, horizon: 2);
        Assert.Equal([true, false, true, true, false, true], Enumerable.Range(0, 6).Select(p => horizon.StartsOver(p)));
        Assert.Equal(training.Window(1, 5), horizon.Window(1, 5));
        Assert.Equal(3, new SegmentStreams(10, 3, coverAll: false, horizon: 50).Horizon);
        var evaluation = new SegmentStreams(10, 3, coverAll: true);
        Assert.Equal(4, evaluation.PerStream);
        Assert.Equal(-1, evaluation.Window(2, 2));
        Assert.Equal(9, evaluation.Window(2, 1));
        Assert.Equal(1, new SegmentStreams(1, 16, coverAll: true).Streams);
        var e = Assert.Throws<ArgumentException>(() => new SegmentStreams(2, 16, coverAll: false));
        Assert.Contains("--batch", e.Message);
    }
}
