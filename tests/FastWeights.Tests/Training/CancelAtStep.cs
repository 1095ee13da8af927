using FastWeights.Training;

namespace FastWeights.Tests.Training;

/// <summary>A training observer that cancels the run after the given step, like Ctrl-C: the run saves after that step and stops.</summary>
internal sealed class CancelAtStep(int step, CancellationTokenSource cts) : ITrainingObserver
{
    public void OnStep(int s, int totalSteps, double loss, double accuracy, double stepsPerSecond)
    {
        if (s == step)
        {
            cts.Cancel();
        }
    }

    public void OnEvaluation(MetricsRecord record)
    {
    }

    public void OnMessage(string message)
    {
    }
}
