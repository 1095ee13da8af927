namespace FastWeights.Experiments;

/// <summary>One point of the capacity curve under the protocol of Schlag et al.'s released code.</summary>
/// <param name="Keys">Number of keys S (= number of values).</param>
/// <param name="Loss">Mean 0.5 · squared error between ŷ and onehot(target) over every written key of the final evaluation.</param>
/// <param name="Accuracy">Fraction of those queries whose largest retrieved component is the last value.</param>
/// <param name="ShortLoss">The same loss on sequences of S writes, the length at which the released code evaluates (setting 1: the same sequences' length).</param>
/// <param name="ShortAccuracy">The accuracy on those sequences.</param>
/// <param name="Steps">Training steps taken before early stopping (or the step limit).</param>
/// <param name="Seconds">Wall time of training and evaluating this point.</param>
public sealed record SchlagCapacityPoint(int Keys, double Loss, double Accuracy, double ShortLoss, double ShortAccuracy, int Steps, double Seconds)
{
    /// <summary>Whether training diverged or the final evaluation loss is not finite: then the losses and accuracies mean nothing.</summary>
    public bool Diverged { get; init; }
}
