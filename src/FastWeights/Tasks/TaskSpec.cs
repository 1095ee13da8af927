using FastWeights.Training;

namespace FastWeights.Tasks;

/// <summary>
/// A task name users type, what it is, and how to build it from a configuration: a task over token sequences
/// (<see cref="Create"/>, trained by supervision) or one learnt by reinforcement (<see cref="CreateReinforcement"/>,
/// trained by actor-critic); exactly one of the two is set.
/// </summary>
/// <param name="Name">The canonical name (lower case), for example <c>assoc</c>.</param>
/// <param name="Description">One line for help text.</param>
public sealed record TaskSpec(string Name, string Description)
{
    /// <summary>Builds a sequence task from the settings it reads; throws <see cref="ArgumentException"/> naming the option when one is out of range.</summary>
    public Func<TrainingConfig, ISequenceTask>? Create { get; init; }

    /// <summary>Builds a reinforcement-learning task from the settings it reads (same contract as <see cref="Create"/>).</summary>
    public Func<TrainingConfig, IReinforcementTask>? CreateReinforcement { get; init; }

    /// <summary>Whether the task is learnt by reinforcement rather than from sequences.</summary>
    public bool IsReinforcement => CreateReinforcement is not null;

    /// <summary>
    /// Where a sequence task's examples have targets, known without building the task (which may read files): what
    /// decides the model's form on it (<see cref="Models.ModelSpec.PredictsOn"/>) and so which settings its runs hold.
    /// Equal to <see cref="ISequenceTask.Targets"/> of the task built.
    /// </summary>
    public TargetLayout Targets { get; init; }

    /// <summary>Whether the examples are images (<see cref="ISequenceTask.Image"/> is set), known without building the task.</summary>
    public bool Images { get; init; }
}
