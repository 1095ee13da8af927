namespace FastWeights.Training;

/// <summary>Loss and accuracy of a model on a set of examples.</summary>
/// <param name="Loss">Mean cross-entropy.</param>
/// <param name="Accuracy">Fraction of examples whose most probable class is the target.</param>
/// <param name="Count">Number of examples.</param>
public sealed record EvaluationResult(double Loss, double Accuracy, int Count)
{
    /// <summary>1 − accuracy.</summary>
    public double ErrorRate => 1 - Accuracy;
}
