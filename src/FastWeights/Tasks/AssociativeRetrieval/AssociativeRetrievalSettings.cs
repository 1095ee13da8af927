namespace FastWeights.Training;

/// <summary>The settings of the associative retrieval task (<see cref="Tasks.AssociativeRetrievalTask"/>), part of a run's configuration; the task checks them.</summary>
public sealed partial record TrainingConfig
{
    /// <summary>Key–value pairs per sequence K.</summary>
    [Setting("--pairs", SettingPart.Task, "Key-value pairs per sequence K", Alias = "-K", Scope = "assoc")]
    public int Pairs { get; init; } = 4;
}
