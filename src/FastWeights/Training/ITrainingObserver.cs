namespace FastWeights.Training;

/// <summary>Receives a run's progress (the CLI draws a progress bar or prints lines).</summary>
public interface ITrainingObserver
{
    /// <summary>After each optimiser step.</summary>
    void OnStep(int step, int totalSteps, double loss, double accuracy, double stepsPerSecond);

    /// <summary>After each validation.</summary>
    void OnEvaluation(MetricsRecord record);

    /// <summary>A notice worth showing while the run goes on (for example that it resumed); the final outcome is in the returned <see cref="TrainingResult"/>.</summary>
    void OnMessage(string message);
}
