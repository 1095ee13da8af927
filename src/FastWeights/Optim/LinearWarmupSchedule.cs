namespace FastWeights.Optim;

/// <summary>
/// Linear warm-up then constant: lr(t) = peak·(t+1)/W for t &lt; W, and peak afterwards (t counts completed
/// updates, so the first update uses peak/W and update W−1 reaches peak).
/// </summary>
public sealed class LinearWarmupSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="peakLearningRate">The rate after warm-up.</param>
    /// <param name="warmupSteps">Number of warm-up updates W, non-negative (0 means constant).</param>
    public LinearWarmupSchedule(float peakLearningRate, int warmupSteps)
    {
        LearningRateSchedules.CheckRate(peakLearningRate, nameof(peakLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        PeakLearningRate = peakLearningRate;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The rate after warm-up.</summary>
    public float PeakLearningRate { get; }

    /// <summary>Number of warm-up updates.</summary>
    public int WarmupSteps { get; }

    /// <inheritdoc />
    public float At(int step)
    {
        LearningRateSchedules.CheckStep(step);
        return step < WarmupSteps ? LearningRateSchedules.Warmup(PeakLearningRate, WarmupSteps, step) : PeakLearningRate;
    }
}
