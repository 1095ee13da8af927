namespace FastWeights.Experiments;

/// <summary>One point of the capacity curve.</summary>
/// <param name="Keys">Number of keys S.</param>
/// <param name="Loss">Mean cross-entropy at the queries of the evaluation sequences.</param>
/// <param name="Accuracy">Fraction of queries answered with the latest value.</param>
/// <param name="Seconds">Wall time of training and evaluating this point.</param>
public sealed record CapacityPoint(int Keys, double Loss, double Accuracy, double Seconds);
