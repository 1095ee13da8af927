using FastWeights.Autodiff;
using FastWeights.Nn;
using FastWeights.Optim;
using FastWeights.Tensors;

namespace FastWeights.Tests.Autodiff;

public class EndToEndLearningTests
{
    [Fact]
    public void MlpLearnsXorThroughTheTapeAndAdam()
    {
        var rng = new Rng(3);
        var mlp = new Mlp(rng, 2, 16, 2);
        var adam = new Adam(mlp.NamedParameters(), 0.03f);
        var x = Tensor.FromArray([0f, 0f, 0f, 1f, 1f, 0f, 1f, 1f], 4, 2);
        int[] y = [0, 1, 1, 0];
        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            var loss = Ops.CrossEntropy(mlp.Forward(x), y);
            if (step == 0)
            {
                first = loss.Item();
            }
            last = loss.Item();
            Tape.Backward(loss);
            adam.Step();
            adam.ZeroGrad();
        }
        Assert.True(first > 0.5f, $"initial loss {first} should be near log 2");
        Assert.True(last < 0.02f, $"final loss {last} should be below 0.02");
        using (Tape.NoGrad())
        {
            var logits = mlp.Forward(x).ToArray();
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(y[i], logits[(2 * i) + 1] > logits[2 * i] ? 1 : 0);
            }
        }
    }

    [Fact]
    public void ParameterNamesAreHierarchicalAndStable()
    {
        var mlp = new Mlp(new Rng(1), 2, 3, 4);
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"], mlp.NamedParameters().Select(p => p.Key));
        Assert.Equal((2 * 3) + 3 + (3 * 4) + 4, mlp.ParameterCount());
    }
}
