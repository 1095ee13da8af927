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
        new("assoc", "associative retrieval (Ba et al. 2016, §4.1)") { Create = c => new AssociativeRetrievalTask(c.Pairs), Targets = TargetLayout.OnePerSequence },
        new("mqar", "multi-query associative recall (Arora et al. 2023)") { Create = c => new MultiQueryAssociativeRecallTask(c.Vocab, c.Length, c.KvPairs, MultiQueryAssociativeRecallTask.ParseLayout(c.QueryLayout)), Targets = TargetLayout.EveryPosition },
        new("glimpses", "28×28 images (MNIST, Fashion-MNIST) seen as 24 glimpses (Ba et al. 2016, §4.2)") { Create = c => new Glimpses.GlimpseTask(c.DataDir, c.ValidationFraction), Targets = TargetLayout.OnePerSequence, Images = true },
        new("lm", "language modelling of a text file (--data FILE, --context T, --tokenizer byte|char|gpt2)") { Create = c => new LanguageModelling.LanguageModelTask(c.DataFile, c.Context, c.CarryState, c.Tokenizer), Targets = TargetLayout.EveryPosition },
        new("catch", "the partially observable Catch game, learnt by actor-critic (Ba et al. 2016, §5)") { CreateReinforcement = c => new Catch.CatchTask(c.Size, c.BlankAfter, c.PaddleWidth) },
    ];

    /// <summary>All tasks, in the order help text lists them.</summary>
    public static IReadOnlyList<TaskSpec> All => Specs;

    /// <summary>The comma-separated list of valid names.</summary>
    public static string ValidNames => string.Join(", ", Specs.Select(s => s.Name));

    /// <summary>Finds a task by name, case-insensitively; throws <see cref="ArgumentException"/> listing the valid names.</summary>
    public static TaskSpec Find(string name) =>
        Specs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown task '{name}'; valid tasks: {ValidNames}");

    /// <summary>The sequence tasks, in the order help text lists them.</summary>
    public static IEnumerable<TaskSpec> SequenceTasks => Specs.Where(s => !s.IsReinforcement);

    /// <summary>The sequence task a configuration describes (its settings validated by the task).</summary>
    /// <exception cref="ArgumentException">The task is learnt by reinforcement, so it has no sequences.</exception>
    public static ISequenceTask Create(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var spec = Find(config.Task);
        return spec.Create is { } create
            ? create(config)
            : throw new ArgumentException($"--task {spec.Name} is learnt by reinforcement and has no sequences to score or predict: use 'fastweights test' or 'fastweights play' on its runs");
    }

    /// <summary>Whether the configuration's task is learnt by reinforcement.</summary>
    public static bool IsReinforcement(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Find(config.Task).IsReinforcement;
    }

    /// <summary>The reinforcement-learning task a configuration describes (its settings validated by the task).</summary>
    /// <exception cref="ArgumentException">The task is a sequence task.</exception>
    public static IReinforcementTask CreateReinforcement(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var spec = Find(config.Task);
        return spec.CreateReinforcement is { } create
            ? create(config)
            : throw new ArgumentException($"--task {spec.Name} is a sequence task, not an environment");
    }
}
