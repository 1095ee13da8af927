namespace FastWeights.Training;

/// <summary>The settings of the MQAR task (<see cref="Tasks.MultiQueryAssociativeRecallTask"/>), part of a run's configuration; the task checks them.</summary>
public sealed partial record TrainingConfig
{
    /// <summary>MQAR vocabulary size V.</summary>
    [Setting("--vocab", SettingPart.Task, "Vocabulary size V (keys from the first half, values from the second)", Scope = "mqar")]
    public int Vocab { get; init; } = 256;

    /// <summary>MQAR input length T.</summary>
    [Setting("--length", SettingPart.Task, "Sequence length T", Scope = "mqar")]
    public int Length { get; init; } = 64;

    /// <summary>MQAR key–value pairs (and queries) per sequence.</summary>
    [Setting("--kv-pairs", SettingPart.Task, "Key-value pairs (and queries) per sequence", Scope = "mqar")]
    public int KvPairs { get; init; } = 4;
}
