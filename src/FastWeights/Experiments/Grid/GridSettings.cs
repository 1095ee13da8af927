using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>
/// What <see cref="GridExperiment"/> trains: a grid of models × sizes × seeds (a table of the paper, such as Table 1 or
/// Table 2) and the one training budget every cell shares.
/// </summary>
public sealed record GridSettings
{
    /// <summary>Output directory: runs go to <c>runs/</c> under it, the report next to them.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Models (catalog names) to train.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>Sizes R to train.</summary>
    public required IReadOnlyList<int> Sizes { get; init; }

    /// <summary>Seeds 1..Seeds.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Cells trained at the same time, each on its own thread.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>The configuration every cell starts from (its model, size and seed are replaced); see <see cref="ForSteps"/>.</summary>
    public required TrainingConfig Base { get; init; }

    /// <summary>The default configuration with <paramref name="steps"/> steps, validated 20 times and checkpointed 10 times.</summary>
    public static TrainingConfig ForSteps(int steps) => new()
    {
        Steps = steps,
        EvalEvery = Math.Max(1, steps / 20),
        SaveEvery = Math.Max(1, steps / 10),
    };

    /// <summary>
    /// The part of the grid this process trains (<c>--shard I/N</c>): cell k of the plan belongs to shard k mod N, so
    /// N processes (a Slurm job array, GNU parallel) share the grid, each cell in its own run directory; null: all.
    /// </summary>
    public GridShard? Shard { get; init; }

    /// <summary>Whether nothing is trained and the report is built from the cells already finished (<c>--collect</c>).</summary>
    public bool CollectOnly { get; init; }

    /// <summary>Which setting the grid's sizes are (R by default).</summary>
    public GridSizeAxis SizeAxis { get; init; } = GridSizeAxis.Hidden;

    /// <summary>The configuration of one cell.</summary>
    public TrainingConfig CellConfig(string model, int size, ulong seed) => SizeAxis.With(Base with { Model = model, Seed = seed }, size);

    /// <summary>The run directory of one cell: <c>runs/&lt;model&gt;-&lt;prefix&gt;&lt;size&gt;-s&lt;seed&gt;</c> (for example <c>runs/fw-rnn-r50-s1</c>).</summary>
    public string CellDirectory(string model, int size, ulong seed) =>
        Path.Combine(OutputDirectory, "runs", FormattableString.Invariant($"{model}-{SizeAxis.Prefix}{size}-s{seed}"));

    /// <summary>Checks the grid; throws <see cref="ArgumentException"/> with a one-line message.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            throw new ArgumentException("--out must name a directory");
        }
        if (Models.Count == 0 || Sizes.Count == 0)
        {
            throw new ArgumentException("--models and --sizes must each name at least one value");
        }
        if (Seeds < 1)
        {
            throw new ArgumentException("--seeds must be at least 1");
        }
        if (Jobs < 1)
        {
            throw new ArgumentException("--jobs must be at least 1");
        }
        foreach (int r in Sizes)
        {
            if (r < 1)
            {
                throw new ArgumentException("--sizes must be positive integers");
            }
        }
        foreach (string m in Models)
        {
            CellConfig(m, Sizes[0], 1).Validate();
        }
    }
}
