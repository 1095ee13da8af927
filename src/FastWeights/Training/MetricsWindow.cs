namespace FastWeights.Training;

/// <summary>
/// The training metrics of the steps since the last metrics line, which both trainers keep: summed as each step
/// completes, averaged into the next line, and saved with every checkpoint (<see cref="Sums"/>) so the line built
/// across a resume equals the uninterrupted run's.
/// </summary>
internal sealed class MetricsWindow(Trainer.RunningMetrics start)
{
    private double loss = start.Loss, accuracy = start.Accuracy, episodeReturn = start.Return;
    private int steps = start.Steps;

    /// <summary>Adds a completed step (and, on a reinforcement task, the mean return of its episodes).</summary>
    public void Add(TrainingStepResult result, double meanReturn = 0)
    {
        loss += result.Loss;
        accuracy += result.Accuracy;
        episodeReturn += meanReturn;
        steps++;
    }

    /// <summary>Mean training loss over the window.</summary>
    public double MeanLoss => loss / steps;

    /// <summary>Mean training accuracy (success rate) over the window.</summary>
    public double MeanAccuracy => accuracy / steps;

    /// <summary>Mean episode return over the window.</summary>
    public double MeanReturn => episodeReturn / steps;

    /// <summary>The sums, as a checkpoint saves them.</summary>
    public Trainer.RunningMetrics Sums => new(loss, accuracy, steps) { Return = episodeReturn };

    /// <summary>Starts the next window (after a metrics line).</summary>
    public void Clear()
    {
        loss = accuracy = episodeReturn = 0;
        steps = 0;
    }
}
