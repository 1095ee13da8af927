namespace FastWeights.Training;

/// <summary>The settings of the Catch game (<see cref="Tasks.Catch.CatchTask"/>), part of a run's configuration; the task checks them.</summary>
public sealed partial record TrainingConfig
{
    /// <summary>Screen side N.</summary>
    [Setting("--size", SettingPart.Task, "Screen side N (N×N pixels; episodes last N − 1 steps)", Scope = "catch", Since = 2)]
    public int Size { get; init; } = 24;

    /// <summary>Frames the agent sees before the screen goes blank (M).</summary>
    [Setting("--blank-after", SettingPart.Task, "Frames seen before the screen goes blank (M); N − 1 or more is fully observed", Scope = "catch", Since = 2)]
    public int BlankAfter { get; init; } = 8;

    /// <summary>Paddle width in pixels.</summary>
    [Setting("--paddle", SettingPart.Task, "Paddle width in pixels", Scope = "catch", Since = 2)]
    public int PaddleWidth { get; init; } = 3;
}
