using FastWeights.Training;

namespace FastWeights.Tasks;

/// <summary>
/// Every task by the name users type, with the settings of a <see cref="TrainingConfig"/> it reads. Adding a task is a
/// folder under <c>Tasks/</c> with its <see cref="ISequenceTask"/> and one line here. The only place task names are compared.
/// </summary>
public static class TaskCatalog
{
    private static readonly TaskSpec[] Specs =
    [
        new("assoc", "associative retrieval (Ba et al. 2016, §4.1)", c => new AssociativeRetrievalTask(c.Pairs)),
        new("mqar", "multi-query associative recall (Arora et al. 2023)", c => new MultiQueryAssociativeRecallTask(c.Vocab, c.Length, c.KvPairs)),
        new("glimpses", "28×28 images (MNIST, Fashion-MNIST) seen as 24 glimpses (Ba et al. 2016, §4.2)", c => new Glimpses.GlimpseTask(c.DataDir, c.ValidationFraction)),
    ];

    /// <summary>All tasks, in the order help text lists them.</summary>
    public static IReadOnlyList<TaskSpec> All => Specs;

    /// <summary>The comma-separated list of valid names.</summary>
    public static string ValidNames => string.Join(", ", Specs.Select(s => s.Name));

    /// <summary>Finds a task by name, case-insensitively; throws <see cref="ArgumentException"/> listing the valid names.</summary>
    public static TaskSpec Find(string name) =>
        Specs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown task '{name}'; valid tasks: {ValidNames}");

    /// <summary>The task a configuration describes (its settings validated by the task).</summary>
    public static ISequenceTask Create(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Find(config.Task).Create(config);
    }
}
