namespace FastWeights.Optim;

/// <summary>
/// Optional linear warm-up, then cosine decay (Loshchilov &amp; Hutter 2017, without restarts) from the peak to
/// a floor: for W ≤ t ≤ T, lr(t) = floor + (peak − floor)·½(1 + cos(π(t − W)/(T − W))); lr(t) = floor for
/// t ≥ T; warm-up as in <see cref="LinearWarmupSchedule"/> for t &lt; W. Computed in double, rounded once.
/// </summary>
public sealed class CosineSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="peakLearningRate">The rate at the end of warm-up.</param>
    /// <param name="totalSteps">Step T at which the floor is reached; greater than <paramref name="warmupSteps"/>.</param>
    /// <param name="warmupSteps">Number of warm-up updates W, non-negative.</param>
    /// <param name="floorLearningRate">The final rate, between 0 and the peak.</param>
    public CosineSchedule(float peakLearningRate, int totalSteps, int warmupSteps = 0, float floorLearningRate = 0f)
    {
        LearningRateSchedules.CheckRate(peakLearningRate, nameof(peakLearningRate));
        LearningRateSchedules.CheckRate(floorLearningRate, nameof(floorLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (totalSteps <= warmupSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"totalSteps must exceed warmupSteps ({warmupSteps}).");
        }
        if (floorLearningRate > peakLearningRate)
        {
            throw new ArgumentOutOfRangeException(nameof(floorLearningRate), floorLearningRate, "The floor must not exceed the peak.");
        }
        PeakLearningRate = peakLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        FloorLearningRate = floorLearningRate;
    }

    /// <summary>The rate at the end of warm-up.</summary>
    public float PeakLearningRate { get; }

    /// <summary>The step at which the floor is reached.</summary>
    public int TotalSteps { get; }

    /// <summary>Number of warm-up updates.</summary>
    public int WarmupSteps { get; }

    /// <summary>The final rate.</summary>
    public float FloorLearningRate { get; }

    /// <inheritdoc />
    public float At(int step)
    {
        LearningRateSchedules.CheckStep(step);
        if (step < WarmupSteps)
        {
            return LearningRateSchedules.Warmup(PeakLearningRate, WarmupSteps, step);
        }
        if (step >= TotalSteps)
        {
            return FloorLearningRate;
        }
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return (float)(FloorLearningRate + ((PeakLearningRate - (double)FloorLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }
}
