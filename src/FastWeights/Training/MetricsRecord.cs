namespace FastWeights.Training;

/// <summary>One line of <c>metrics.jsonl</c>: written at every evaluation.</summary>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="TrainLoss">Mean training loss since the previous record.</param>
/// <param name="TrainAccuracy">Mean training accuracy since the previous record.</param>
/// <param name="ValidationLoss">Validation loss.</param>
/// <param name="ValidationAccuracy">Validation accuracy.</param>
/// <param name="LearningRate">Learning rate at this step.</param>
/// <param name="Seconds">Training wall time so far (across resumes).</param>
public sealed record MetricsRecord(int Step, double TrainLoss, double TrainAccuracy, double ValidationLoss, double ValidationAccuracy, double LearningRate, double Seconds);
