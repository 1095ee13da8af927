using FastWeights.Autodiff;
using FastWeights.Optim;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Tests.Training;

public class OptimizationStepTests
{
    /// <summary>
    /// A finite loss whose gradient is not finite updates nothing (Adam would make every weight NaN, and a checkpoint
    /// of them could not be loaded): training never saves a non-finite weight.
    /// </summary>
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void AGradientThatIsNotFiniteUpdatesNothing(float gradient)
    {
        var w = Tensor.FromArray([1f, 2f], 2);
        w.RequiresGrad = true;
        var adam = new Adam([new("w", w)], learningRate: 0.1f);
        var step = new OptimizationStep([w], adam, clipNorm: 5f, pooled: false);
        using (step.Begin())
        {
            var loss = Tensor.Scalar(0.5f);
            Tape.Record(loss, () => w.EnsureGrad().Span[1] = gradient);
            Assert.False(step.Update(loss));
        }
        Assert.Equal([1f, 2f], w.ToArray());
        Assert.Equal(0, adam.StepCount);
        using (step.Begin())
        {
            var loss = Tensor.Scalar(0.5f);
            Tape.Record(loss, () => w.EnsureGrad().Span[1] = 1f);
            Assert.True(step.Update(loss));
        }
        Assert.NotEqual(2f, w.ToArray()[1]);
    }
}
