namespace FastWeights.Training;

/// <summary>The part of a run that owns a setting (see <see cref="SettingAttribute"/>); help text lists the parts in this order.</summary>
public enum SettingPart
{
    /// <summary>The training loop: what is trained on what, for how long, how often it validates and saves.</summary>
    Training,

    /// <summary>The optimizer and its learning-rate schedule.</summary>
    Optimizer,

    /// <summary>Actor-critic training, read by reinforcement-learning tasks only (returns, entropy bonus, evaluation episodes).</summary>
    Reinforcement,

    /// <summary>A task (the attribute's <see cref="SettingAttribute.Scope"/> names it).</summary>
    Task,

    /// <summary>A model family (the attribute's <see cref="SettingAttribute.Scope"/> names it).</summary>
    Model,
}
