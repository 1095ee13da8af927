using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Tests.Autodiff;

public class TapeTests
{
    [Fact]
    public void LeafGradientsAccumulateAcrossBackwardCalls()
    {
        var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        Tape.Backward(Ops.Sum(Ops.Scale(x, 3f)));
        Tape.Backward(Ops.Sum(Ops.Scale(x, 3f)));
        Assert.Equal([6f, 6f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        Tape.Reset();
        using (Tape.NoGrad())
        {
            var y = Ops.Tanh(x);
            Assert.False(y.RequiresGrad);
            Assert.False(Tape.IsGradEnabled);
        }
        Assert.True(Tape.IsGradEnabled);
        Assert.Equal(0, Tape.Current.Count);
    }

    [Fact]
    public void BackwardNeedsAScalarThatDependsOnParameters()
    {
        var x = Tensor.FromArray([1f, 2f], 2);
        Assert.Throws<InvalidOperationException>(() => Tape.Backward(Ops.Sum(x)));
        x.RequiresGrad = true;
        Assert.Throws<InvalidOperationException>(() => Tape.Backward(Ops.Tanh(x)));
        Tape.Reset();
    }

    [Fact]
    public void TapesAreIndependentPerThread()
    {
        var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        Tape.Reset();
        _ = Ops.Tanh(x);
        int other = -1;
        var thread = new Thread(() => other = Tape.Current.Count);
        thread.Start();
        thread.Join();
        Assert.Equal(0, other);
        Assert.Equal(1, Tape.Current.Count);
        Tape.Reset();
    }

    [Fact]
    public void BroadcastShapesThatDoNotMatchAreRejected()
    {
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(4);
        var e = Assert.Throws<ArgumentException>(() => Ops.Add(a, b));
        Assert.Contains("do not broadcast", e.Message);
    }
}
