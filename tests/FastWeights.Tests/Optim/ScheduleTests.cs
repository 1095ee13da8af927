using FastWeights.Optim;

namespace FastWeights.Tests.Optim;

public sealed class ScheduleTests
{
    [Fact]
    public void ConstantIsConstant()
    {
        var s = new ConstantSchedule(0.3f);
        Assert.Equal(0.3f, s.At(0));
        Assert.Equal(0.3f, s.At(1_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.At(-1));
    }

    [Fact]
    public void LinearWarmupRisesThenHolds()
    {
        var s = new LinearWarmupSchedule(1f, warmupSteps: 4);
        Assert.Equal(0.25f, s.At(0));
        Assert.Equal(0.5f, s.At(1));
        Assert.Equal(1f, s.At(3));
        Assert.Equal(1f, s.At(4));
        Assert.Equal(1f, s.At(100));
        Assert.Equal(2f, new LinearWarmupSchedule(2f, 0).At(0));
    }

    [Fact]
    public void CosineValuesAtKeySteps()
    {
        // Warm-up 10, total 110, peak 1, floor 0.1: halfway through the decay (step 60) the rate is 0.55.
        var s = new CosineSchedule(1f, totalSteps: 110, warmupSteps: 10, floorLearningRate: 0.1f);
        Assert.Equal(0.1f, s.At(0), 1e-7f);
        Assert.Equal(0.5f, s.At(4), 1e-7f);
        Assert.Equal(1f, s.At(9));
        Assert.Equal(1f, s.At(10));
        Assert.Equal(0.55f, s.At(60), 1e-6f);
        Assert.Equal(0.1f + (0.9f * 0.5f * (1 + MathF.Cos(MathF.PI / 4))), s.At(35), 1e-6f);
        Assert.Equal(0.1f, s.At(110));
        Assert.Equal(0.1f, s.At(10_000));
        for (int t = 10; t < 110; t++)
        {
            Assert.True(s.At(t + 1) <= s.At(t));
        }
    }

    [Fact]
    public void CosineWithoutWarmupStartsAtPeak()
    {
        var s = new CosineSchedule(2f, totalSteps: 4);
        Assert.Equal(2f, s.At(0));
        Assert.Equal(1f, s.At(2), 1e-6f);
        Assert.Equal(0f, s.At(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1f, totalSteps: 5, warmupSteps: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1f, totalSteps: 5, floorLearningRate: 2f));
    }
}
