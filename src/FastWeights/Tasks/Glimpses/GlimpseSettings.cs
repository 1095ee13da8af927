namespace FastWeights.Training;

/// <summary>The settings of the glimpse task (<see cref="Tasks.Glimpses.GlimpseTask"/>), part of a run's configuration; the task checks them.</summary>
public sealed partial record TrainingConfig
{
    /// <summary>Directory of MNIST-format IDX files (train-* and t10k-*, optionally gzipped).</summary>
    [Setting("--data-dir", SettingPart.Task, "Directory of MNIST-format IDX files (MNIST, Fashion-MNIST; 'fastweights data prepare mnist' makes one)", Scope = "glimpses", Since = 2)]
    public string? DataDir { get; init; }

    /// <summary>Fraction of the training file's images, taken from its end, kept as the validation split.</summary>
    [Setting("--validation-fraction", SettingPart.Task, "Fraction of the training images (from the file's end) kept for validation", Scope = "glimpses", Since = 2)]
    public double ValidationFraction { get; init; } = 0.1;
}
