using System.Globalization;

namespace FastWeights.Training;

/// <summary>
/// When a run has diverged although its loss stays finite: the loss of every one of <see cref="Patience"/> consecutive
/// steps is above <see cref="Margin"/> + <see cref="Factor"/> × the best value so far of the loss smoothed over about
/// 20 steps (an exponential moving average, weight <see cref="Smoothing"/> per step; taken as 0 if negative). Shorter
/// spikes do not count. For cross-entropy in nats
/// that is more than 10 nats worse than uniform guessing over any vocabulary this tool trains on, sustained: no run that
/// is still learning stays there, and a run that got there has stopped learning (for example <c>--lr 1e4</c>, whose
/// loss reaches 10¹² at chance accuracy). A non-finite loss is caught before it (by <see cref="OptimizationStep"/>).
/// The state is saved with the checkpoint so a resumed run stops where the uninterrupted one does.
/// </summary>
public sealed class DivergenceRule
{
    /// <summary>Weight of each step's loss in the moving average.</summary>
    public const double Smoothing = 0.05;

    /// <summary>How many times its best value the smoothed loss must exceed (beyond <see cref="Margin"/>).</summary>
    public const double Factor = 100;

    /// <summary>Loss units the smoothed loss must exceed its scaled best by.</summary>
    public const double Margin = 10;

    /// <summary>Consecutive steps above the threshold that count as diverged.</summary>
    public const int Patience = 100;

    /// <summary>The smoothed loss (NaN before the first step).</summary>
    public double Smoothed { get; private set; } = double.NaN;

    /// <summary>The best smoothed loss so far (+∞ before the first step).</summary>
    public double Best { get; private set; } = double.PositiveInfinity;

    /// <summary>Consecutive steps whose loss has been above the threshold.</summary>
    public int StepsAbove { get; private set; }

    /// <summary>The loss above which a step counts against the run.</summary>
    public double Threshold => Margin + (Factor * Math.Max(Best, 0));

    /// <summary>Takes one step's (finite) loss; returns true when the run has now diverged.</summary>
    public bool Observe(double loss)
    {
        Smoothed = double.IsNaN(Smoothed) ? loss : Smoothed + (Smoothing * (loss - Smoothed));
        Best = Math.Min(Best, Smoothed);
        StepsAbove = loss > Threshold ? StepsAbove + 1 : 0;
        return StepsAbove >= Patience;
    }

    /// <summary>Writes the rule's state into checkpoint metadata.</summary>
    public void Save(IDictionary<string, string> meta)
    {
        ArgumentNullException.ThrowIfNull(meta);
        meta["divergence_smoothed"] = Smoothed.ToString("R", CultureInfo.InvariantCulture);
        meta["divergence_best"] = Best.ToString("R", CultureInfo.InvariantCulture);
        meta["divergence_steps_above"] = StepsAbove.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Restores the state <see cref="Save"/> wrote; absent (older checkpoints) starts afresh. Returns false when a value is malformed.</summary>
    public bool TryRestore(IReadOnlyDictionary<string, string> meta)
    {
        ArgumentNullException.ThrowIfNull(meta);
        if (!meta.TryGetValue("divergence_smoothed", out string? smoothed))
        {
            return true;
        }
        if (!double.TryParse(smoothed, NumberStyles.Float, CultureInfo.InvariantCulture, out double s)
            || !meta.TryGetValue("divergence_best", out string? bestText) || !double.TryParse(bestText, NumberStyles.Float, CultureInfo.InvariantCulture, out double b)
            || !meta.TryGetValue("divergence_steps_above", out string? aboveText) || !int.TryParse(aboveText, NumberStyles.None, CultureInfo.InvariantCulture, out int a))
        {
            return false;
        }
        Smoothed = s;
        Best = b;
        StepsAbove = a;
        return true;
    }
}
