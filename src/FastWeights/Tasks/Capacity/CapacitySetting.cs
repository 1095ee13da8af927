namespace FastWeights.Tasks;

/// <summary>The two synthetic retrieval settings of Schlag, Irie and Schmidhuber 2021, §6.1.</summary>
public enum CapacitySetting
{
    /// <summary>Setting 1: S distinct keys, each written once with a random value, then each queried.</summary>
    DistinctKeys = 1,

    /// <summary>Setting 2: the S keys are written once, then S more times drawn with replacement with new values; queries ask for the latest value.</summary>
    RepeatedKeys = 2,
}
