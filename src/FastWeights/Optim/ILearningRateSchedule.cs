namespace FastWeights.Optim;

/// <summary>A learning rate as a function of the optimizer step.</summary>
public interface ILearningRateSchedule
{
    /// <summary>
    /// The learning rate for the update that follows <paramref name="step"/> completed updates (so
    /// <c>At(0)</c> is the first update's rate); typically <c>optimizer.LearningRate = schedule.At(optimizer.StepCount)</c>
    /// before each <see cref="Optimizer.Step"/>.
    /// </summary>
    /// <param name="step">Number of completed updates, non-negative.</param>
    float At(int step);
}
