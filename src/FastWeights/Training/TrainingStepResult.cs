namespace FastWeights.Training;

/// <summary>What one <see cref="TrainingStep.Run(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> returns.</summary>
/// <param name="Loss">The mean cross-entropy over the batch's scored targets before the update.</param>
/// <param name="Correct">Number of scored targets whose arg-max logit was the target (before the update).</param>
/// <param name="Updated">False when the loss was not finite: then nothing was differentiated or updated.</param>
/// <param name="Scored">Number of targets of the batch that carry a loss (not the ignore index).</param>
public readonly record struct TrainingStepResult(float Loss, int Correct, bool Updated, int Scored = 0)
{
    /// <summary>The batch accuracy: <see cref="Correct"/> / <see cref="Scored"/> (0 when nothing is scored).</summary>
    public double Accuracy => Scored == 0 ? 0 : (double)Correct / Scored;
}
