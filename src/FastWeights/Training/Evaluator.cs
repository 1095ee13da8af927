using FastWeights.Autodiff;
using FastWeights.Models;
using FastWeights.Tasks;

namespace FastWeights.Training;

/// <summary>Loss and accuracy of a network on a dataset, in batches, without recording gradients.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="network"/> on all of <paramref name="data"/>.</summary>
    public static EvaluationResult Evaluate(AssociativeRetrievalNetwork network, SequenceDataset data, int batchSize = 1000)
    {
        using var _ = Tape.NoGrad();
        double lossSum = 0;
        int correct = 0;
        var idx = new int[batchSize];
        var inputs = new int[batchSize * data.Length];
        var targets = new int[batchSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int b = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < b; i++)
            {
                idx[i] = start + i;
            }
            data.Gather(idx.AsSpan(0, b), inputs, targets);
            var logits = network.Forward(inputs.AsSpan(0, b * data.Length), b, data.Length);
            var loss = Ops.CrossEntropy(logits, targets.AsSpan(0, b));
            lossSum += loss.Item() * b;
            correct += CountCorrect(logits.Span, targets.AsSpan(0, b), logits.Dim(-1));
        }
        return new EvaluationResult(lossSum / data.Count, (double)correct / data.Count, data.Count);
    }

    /// <summary>Number of rows whose arg-max equals the target.</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes)
    {
        int correct = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            if (TensorPrimitives.IndexOfMax(logits.Slice(r * classes, classes)) == targets[r])
            {
                correct++;
            }
        }
        return correct;
    }
}
