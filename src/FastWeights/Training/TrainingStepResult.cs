namespace FastWeights.Training;

/// <summary>What one <see cref="TrainingStep.Run"/> returns.</summary>
/// <param name="Loss">The mean cross-entropy of the batch before the update.</param>
/// <param name="Correct">Number of examples whose arg-max logit was the target (before the update).</param>
/// <param name="Updated">False when the loss was not finite: then nothing was differentiated or updated.</param>
public readonly record struct TrainingStepResult(float Loss, int Correct, bool Updated);
