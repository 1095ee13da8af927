using FastWeights.Layers.FastWeightRnn;
using FastWeights.Models;
using FastWeights.Tensors;
using FastWeights.Tests.Autodiff;

namespace FastWeights.Tests.Models;

public class NetworkGradientTests
{
    public static TheoryData<string> ModelNames() => new(ModelCatalog.RecurrentModels.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void WholeNetworkPassesGradientCheck(string model)
    {
        var spec = ModelCatalog.Find(model);
        var rng = new Rng(5);
        var net = new AssociativeRetrievalNetwork(rng, 7, 3, (r, d) => spec.CreateLayer(r, d, 4, new FastWeightRnnOptions { InnerSteps = 2 }), hiddenSize: 5, classes: 3);
        int[] ids = [1, 4, 2, 6, 0, 3, 3, 5, 1, 2];
        var parameters = net.Parameters().ToArray();
        GradCheck.Check(() => net.Forward(ids, 2, 5), parameters, eps: 1e-3f, atol: 5e-3, rtol: 3e-2);
    }

    [Fact]
    public void NamesAreCaseInsensitiveAndUnknownNamesListTheValidOnes()
    {
        Assert.Equal("fw-rnn", ModelCatalog.Find("RNN-LN-FW").Name);
        Assert.Equal("a-lstm", ModelCatalog.Find("A-LSTM").Name);
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Find("transformerz"));
        Assert.Contains("fw-rnn, rnn-ln, control, irnn, gru-ln, lstm, a-lstm", e.Message);
    }
}
