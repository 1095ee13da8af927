namespace FastWeights.Tasks;

/// <summary>The train, validation and test splits of a per-position task.</summary>
/// <param name="Train">Training examples.</param>
/// <param name="Validation">Validation examples.</param>
/// <param name="Test">Test examples.</param>
public sealed record PositionalSplits(PositionalDataset Train, PositionalDataset Validation, PositionalDataset Test);
