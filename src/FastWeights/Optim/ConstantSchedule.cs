namespace FastWeights.Optim;

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="learningRate">The rate, finite and non-negative.</param>
    public ConstantSchedule(float learningRate)
    {
        LearningRateSchedules.CheckRate(learningRate, nameof(learningRate));
        LearningRate = learningRate;
    }

    /// <summary>The rate.</summary>
    public float LearningRate { get; }

    /// <inheritdoc />
    public float At(int step)
    {
        LearningRateSchedules.CheckStep(step);
        return LearningRate;
    }
}
