namespace FastWeights.Tasks;

/// <summary>How a <see cref="TokenDataset"/> lays out its targets.</summary>
public enum TargetLayout
{
    /// <summary>One answer per sequence, read at its last position.</summary>
    OnePerSequence,

    /// <summary>A target at every position (the ignore index where there is none).</summary>
    EveryPosition,
}
