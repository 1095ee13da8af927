using FastWeights.Optim;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Tests.Training;

/// <summary>The one training loop's control flow: schedule, validation, early stop, checkpoints, divergence, cancellation.</summary>
public sealed class TrainingLoopTests
{
    private static Sgd Optimizer() => new([new("w", Tensor.Zeros(1))], 1f);

    [Fact]
    public void RunsEveryStepWithItsScheduledRateValidatesAndSaves()
    {
        var optimizer = Optimizer();
        var rates = new List<float>();
        var validated = new List<int>();
        var saved = new List<int>();
        var loop = new TrainingLoop
        {
            Optimizer = optimizer,
            Schedule = new CosineSchedule(1f, 10, 2, 0.1f),
            Steps = 10,
            Step = s =>
            {
                rates.Add(optimizer.LearningRate);
                return new TrainingStepResult(1f, 0, true);
            },
            EvalEvery = 4,
            ValidateAtEnd = true,
            Validate = s =>
            {
                validated.Add(s);
                return false;
            },
            SaveEvery = 3,
            Save = saved.Add,
        };
        var (end, step, _) = loop.Run(0);
        Assert.Equal(TrainingLoopEnd.Completed, end);
        Assert.Equal(10, step);
        var schedule = new CosineSchedule(1f, 10, 2, 0.1f);
        Assert.Equal(Enumerable.Range(0, 10).Select(schedule.At), rates);
        Assert.Equal([4, 8, 10], validated);
        Assert.Equal([3, 6, 9, 10], saved);
    }

    [Fact]
    public void StopsEarlyWhenAValidationSaysSoAndOnANonFiniteLoss()
    {
        var early = new TrainingLoop
        {
            Optimizer = Optimizer(),
            Schedule = new ConstantSchedule(1f),
            Steps = 100,
            Step = _ => new TrainingStepResult(1f, 0, true),
            EvalEvery = 5,
            Validate = s => s == 15,
        };
        Assert.Equal((TrainingLoopEnd.StoppedEarly, 15), Pick(early.Run(0)));

        var failing = new TrainingLoop
        {
            Optimizer = Optimizer(),
            Schedule = new ConstantSchedule(1f),
            Steps = 100,
            Step = s => new TrainingStepResult(s == 7 ? float.NaN : 1f, 0, s != 7),
        };
        var (end, step, last) = failing.Run(3);
        Assert.Equal(TrainingLoopEnd.Diverged, end);
        Assert.Equal(7, step); // steps 3 … 6 were taken; step 7 updated nothing
        Assert.True(float.IsNaN(last.Loss));
    }

    [Fact]
    public void CancellationFinishesTheStepSavesAndStops()
    {
        using var cts = new CancellationTokenSource();
        var saved = new List<int>();
        var loop = new TrainingLoop
        {
            Optimizer = Optimizer(),
            Schedule = new ConstantSchedule(1f),
            Steps = 50,
            Step = s =>
            {
                if (s == 11)
                {
                    cts.Cancel();
                }
                return new TrainingStepResult(1f, 0, true);
            },
            SaveEvery = 10,
            Save = saved.Add,
        };
        Assert.Equal((TrainingLoopEnd.Interrupted, 12), Pick(loop.Run(0, cts.Token)));
        Assert.Equal([10, 12], saved);
    }

    private static (TrainingLoopEnd, int) Pick((TrainingLoopEnd End, int Step, TrainingStepResult Last) r) => (r.End, r.Step);
}
