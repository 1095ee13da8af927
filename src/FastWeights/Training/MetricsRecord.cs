using System.Text.Json.Serialization;

namespace FastWeights.Training;

/// <summary>One line of <c>metrics.jsonl</c>: written at every evaluation.</summary>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="TrainLoss">Mean training loss since the previous record.</param>
/// <param name="TrainAccuracy">Mean training accuracy since the previous record.</param>
/// <param name="ValidationLoss">Validation loss.</param>
/// <param name="ValidationAccuracy">Validation accuracy.</param>
/// <param name="LearningRate">Learning rate at this step.</param>
/// <param name="Seconds">Training wall time so far (across resumes).</param>
/// <remarks>On a reinforcement-learning task the losses are the actor-critic loss (training) and the critic's squared
/// error (validation), the accuracies the success rates (for Catch, the catch rate), and the mean episode returns are
/// recorded too.</remarks>
public sealed record MetricsRecord(int Step, double TrainLoss, double TrainAccuracy, double ValidationLoss, double ValidationAccuracy, double LearningRate, double Seconds)
{
    /// <summary>Mean return of the training episodes since the previous record (reinforcement-learning tasks only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? TrainReturn { get; init; }

    /// <summary>Mean return of the validation episodes (reinforcement-learning tasks only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ValidationReturn { get; init; }
}
