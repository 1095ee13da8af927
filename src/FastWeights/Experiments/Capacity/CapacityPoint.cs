namespace FastWeights.Experiments;

/// <summary>One point of the capacity curve.</summary>
/// <param name="Keys">Number of keys S.</param>
/// <param name="Loss">Mean cross-entropy at the queries of the evaluation sequences.</param>
/// <param name="Accuracy">Fraction of queries answered with the latest value.</param>
/// <param name="Seconds">Wall time of training and evaluating this point.</param>
public sealed record CapacityPoint(int Keys, double Loss, double Accuracy, double Seconds)
{
    /// <summary>Whether training diverged (a non-finite loss, or one far above its best for long; see <see cref="Training.DivergenceRule"/>) or the evaluation loss is not finite: then the loss and accuracy mean nothing.</summary>
    public bool Diverged { get; init; }

    /// <summary>Steps trained (fewer than asked when training diverged).</summary>
    public int Steps { get; init; }
}
