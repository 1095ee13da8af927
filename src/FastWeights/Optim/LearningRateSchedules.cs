namespace FastWeights.Optim;

/// <summary>Argument checks shared by the schedules.</summary>
internal static class LearningRateSchedules
{
    public static void CheckRate(float rate, string name)
    {
        if (!float.IsFinite(rate) || rate < 0)
        {
            throw new ArgumentOutOfRangeException(name, rate, "A learning rate must be finite and non-negative.");
        }
    }

    public static void CheckStep(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
    }

    /// <summary>Linear warm-up: peak·(step+1)/warmupSteps for step &lt; warmupSteps, so the first update is not wasted at rate 0.</summary>
    public static float Warmup(float peak, int warmupSteps, int step) => (float)((double)peak * (step + 1) / warmupSteps);
}
