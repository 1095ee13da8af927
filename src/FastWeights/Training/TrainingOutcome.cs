namespace FastWeights.Training;

/// <summary>How a run ended.</summary>
public enum TrainingOutcome
{
    /// <summary>All steps done; the final checkpoint and the test result are written.</summary>
    Completed,

    /// <summary>Stopped on request (Ctrl-C) after saving a checkpoint; <c>--resume</c> continues it.</summary>
    Interrupted,

    /// <summary>The loss became NaN or infinite; the last good checkpoint was kept.</summary>
    Diverged,
}
