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

    /// <summary>
    /// Where the queries go and what fills the rest: <c>zoology</c> (Zoology's multiquery_ar: queries at even offsets
    /// after the pairs with power-law gaps, random tokens elsewhere, the answer not in the input) or <c>answered</c> (this
    /// project's first layout: queries at uniform positions, each followed by its value, zeros elsewhere). Runs of
    /// config formats before 7 used <c>answered</c>.
    /// </summary>
    [Setting("--query-layout", SettingPart.Task, "Where queries go: zoology (Zoology's MQAR: power-law gaps at even offsets, random filler tokens) or answered (uniform positions, each query followed by its value, zero filler)", Scope = "mqar", Since = 7, Before = "answered")]
    public string QueryLayout { get; init; } = "zoology";
}
