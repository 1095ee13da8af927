namespace FastWeights.Training;

/// <summary>How a <see cref="TrainingLoop"/> run ended.</summary>
public enum TrainingLoopEnd
{
    /// <summary>All steps were taken.</summary>
    Completed,

    /// <summary>A validation ended the run before the last step (early stopping).</summary>
    StoppedEarly,

    /// <summary>Cancelled: the step in progress was finished and checkpointed.</summary>
    Interrupted,

    /// <summary>A step's loss was not finite; that step updated nothing.</summary>
    Diverged,
}
