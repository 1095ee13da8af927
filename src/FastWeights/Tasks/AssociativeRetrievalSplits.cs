namespace FastWeights.Tasks;

/// <summary>The train, validation and test splits of a task.</summary>
/// <param name="Train">Training examples.</param>
/// <param name="Validation">Validation examples (none occurs in <paramref name="Train"/>).</param>
/// <param name="Test">Test examples (none occurs in <paramref name="Train"/> or <paramref name="Validation"/>).</param>
public sealed record AssociativeRetrievalSplits(SequenceDataset Train, SequenceDataset Validation, SequenceDataset Test);
