using FastWeights.Training;

namespace FastWeights.Tasks;

/// <summary>A task name users type, what it is, and how to build it from a configuration.</summary>
/// <param name="Name">The canonical name (lower case), for example <c>assoc</c>.</param>
/// <param name="Description">One line for help text.</param>
/// <param name="Create">Builds the task from the settings it reads; throws <see cref="ArgumentException"/> naming the option when one is out of range.</param>
public sealed record TaskSpec(string Name, string Description, Func<TrainingConfig, ISequenceTask> Create);
