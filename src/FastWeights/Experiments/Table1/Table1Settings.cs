using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>What <see cref="Table1Experiment"/> trains: the grid and the one training budget every cell shares.</summary>
public sealed record Table1Settings
{
    /// <summary>
    /// Default optimiser steps per cell. Chosen so the 21-cell grid with one seed finishes within a few hours on a
    /// 2-core machine (docs/results/table1.md gives the measurements); the paper trained far longer.
    /// </summary>
    public const int DefaultSteps = 20000;

    /// <summary>Output directory: runs go to <c>runs/</c> under it, the report next to them.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Models (catalog names) to train.</summary>
    public IReadOnlyList<string> Models { get; init; } = PaperTable1.AllModels;

    /// <summary>Sizes R to train.</summary>
    public IReadOnlyList<int> Sizes { get; init; } = PaperTable1.Sizes;

    /// <summary>Seeds 1..Seeds.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Cells trained at the same time, each on its own thread.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>
    /// The configuration every cell starts from (its model, size and seed are replaced). Defaults: the training
    /// defaults of <see cref="TrainingConfig"/> with <see cref="DefaultSteps"/> steps, 20 validations and 10
    /// checkpoints per run.
    /// </summary>
    public TrainingConfig Base { get; init; } = ForSteps(DefaultSteps);

    /// <summary>The default configuration with <paramref name="steps"/> steps, validated 20 times and checkpointed 10 times.</summary>
    public static TrainingConfig ForSteps(int steps) => new()
    {
        Steps = steps,
        EvalEvery = Math.Max(1, steps / 20),
        SaveEvery = Math.Max(1, steps / 10),
    };

    /// <summary>The configuration of one cell.</summary>
    public TrainingConfig CellConfig(string model, int hidden, ulong seed) => Base with { Model = model, Hidden = hidden, Seed = seed };

    /// <summary>The run directory of one cell: <c>runs/&lt;model&gt;-r&lt;R&gt;-s&lt;seed&gt;</c>.</summary>
    public string CellDirectory(string model, int hidden, ulong seed) =>
        Path.Combine(OutputDirectory, "runs", FormattableString.Invariant($"{model}-r{hidden}-s{seed}"));

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
