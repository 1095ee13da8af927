namespace FastWeights.Training;

/// <summary>What a call to <see cref="Trainer.Run"/> achieved.</summary>
/// <param name="Outcome">How the run ended.</param>
/// <param name="Step">Steps done.</param>
/// <param name="Test">Test-split result when the run completed, else null.</param>
/// <param name="Message">A one-line summary.</param>
public sealed record TrainingResult(TrainingOutcome Outcome, int Step, EvaluationResult? Test, string Message);
