using FastWeights.Autodiff;
using FastWeights.Models;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

/// <summary>The whole model run one token at a time (<see cref="SequenceModel.Step"/>) against its full-sequence forward pass.</summary>
public sealed class SequenceModelStreamingTests
{
    public static TheoryData<string, bool> ModelsAndConv()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in new[] { "linear-attention", "decay-attention", "deltanet", "gated-deltanet" })
        {
            data.Add(name, true);
            data.Add(name, false);
        }
        data.Add("transformer", false);
        data.Add("fw-rnn", false);
        data.Add("lstm", false); // the LSTM steps too (LstmLayer.Step), so its per-position model streams
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndConv))]
    public void SteppingTokenByTokenGivesTheForwardLogits(string name, bool conv)
    {
        const int vocabulary = 11, classes = 7, b = 3, t = 13;
        var options = new SequenceModelOptions { ModelDim = 16, Layers = 2, Heads = 2, MlpRatio = 2, ShortConv = conv, MaxPositions = t, RecurrentHidden = 12 };
        var model = ModelCatalog.Find(name).CreateSequenceModel(new Rng(7), vocabulary, classes, options);
        Assert.True(model.SupportsStreaming);
        var rng = new Rng(8);
        var ids = new int[b * t];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = rng.NextInt(vocabulary);
        }
        using var _ = Tape.NoGrad();
        var full = model.Forward(ids, b, t).Span;
        var state = model.CreateState(b);
        var column = new int[b];
        double err = 0, norm = 0;
        for (int ti = 0; ti < t; ti++)
        {
            for (int bi = 0; bi < b; bi++)
            {
                column[bi] = ids[(bi * t) + ti];
            }
            var logits = model.Step(state, column);
            Assert.Equal([b, classes], logits.Shape.ToArray());
            for (int bi = 0; bi < b; bi++)
            {
                for (int c = 0; c < classes; c++)
                {
                    double want = full[(((bi * t) + ti) * classes) + c], got = logits.Span[(bi * classes) + c];
                    err += (want - got) * (want - got);
                    norm += want * want;
                }
            }
        }
        Assert.Equal(t, state.Position);
        Assert.All(state.Mixers, m => Assert.Equal(t, m.Position));
        double relRms = Math.Sqrt(err / norm);
        Assert.True(relRms < 1e-4, $"{name} (conv {conv}): relative RMS {relRms:E2}");
    }

    [Fact]
    public void ModelsWithoutAStepSaySo()
    {
        var model = ModelCatalog.Find("gru-ln").CreateSequenceModel(new Rng(1), 5, 5, new SequenceModelOptions { ModelDim = 8, Layers = 1, RecurrentHidden = 4 });
        Assert.False(model.SupportsStreaming);
        var e = Assert.Throws<NotSupportedException>(() => model.CreateState(1));
        Assert.Contains("one token at a time", e.Message);
    }

    [Fact]
    public void StepChecksItsInputs()
    {
        var model = ModelCatalog.Find("transformer").CreateSequenceModel(new Rng(1), 5, 5, new SequenceModelOptions { ModelDim = 8, Layers = 1, MaxPositions = 2 });
        var state = model.CreateState(2);
        Assert.Throws<ArgumentException>(() => model.Step(state, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(state, [1, 9]));
        model.Step(state, [1, 2]);
        model.Step(state, [3, 4]);
        Assert.Contains("cannot read token 3", Assert.Throws<ArgumentException>(() => model.Step(state, [1, 2])).Message);

        // A state belongs to the model (and mixer kind) that created it.
        var delta = ModelCatalog.Find("deltanet").CreateSequenceModel(new Rng(1), 5, 5, new SequenceModelOptions { ModelDim = 8, Layers = 1 });
        Assert.Contains("expected the state of a FastWeightProgrammerLayer", Assert.Throws<ArgumentException>(() => delta.Step(model.CreateState(2), [1, 2])).Message);
        var deeper = ModelCatalog.Find("deltanet").CreateSequenceModel(new Rng(1), 5, 5, new SequenceModelOptions { ModelDim = 8, Layers = 2 });
        Assert.Contains("2 blocks", Assert.Throws<ArgumentException>(() => delta.Step(deeper.CreateState(2), [1, 2])).Message);
    }
}
