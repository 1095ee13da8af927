namespace FastWeights.Training;

/// <summary>The part of a run that owns a setting (see <see cref="SettingAttribute"/>).</summary>
public enum SettingPart
{
    /// <summary>The training loop: what is trained on what, for how long, how often it validates and saves.</summary>
    Training,

    /// <summary>The optimizer and its learning-rate schedule.</summary>
    Optimizer,

    /// <summary>The associative retrieval task (assoc).</summary>
    AssociativeRetrieval,

    /// <summary>The multi-query associative recall task (mqar).</summary>
    MultiQueryAssociativeRecall,

    /// <summary>The recurrent models (fw-rnn and the baselines of Ba et al.).</summary>
    RecurrentModel,

    /// <summary>The per-position sequence models (fast weight programmers, transformer, recurrent models on per-position tasks).</summary>
    SequenceModel,
}
