using FastWeights.Autodiff;
using FastWeights.Programmers.Layers;
using FastWeights.Tasks;

namespace FastWeights.Training;

/// <summary>Loss and accuracy of a sequence model at the positions that carry a target, without recording gradients.</summary>
public static class SequenceEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on all of <paramref name="data"/>; Count is the number of scored positions.</summary>
    public static EvaluationResult Evaluate(SequenceModel model, PositionalDataset data, int batchSize = 250)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        using var _ = Tape.NoGrad();
        double lossSum = 0;
        long correct = 0, scored = 0;
        var idx = new int[batchSize];
        var inputs = new int[batchSize * data.Length];
        var targets = new int[batchSize * data.Length];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int b = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < b; i++)
            {
                idx[i] = start + i;
            }
            int n = b * data.Length;
            data.Gather(idx.AsSpan(0, b), inputs, targets);
            var logits = model.Forward(inputs.AsSpan(0, n), b, data.Length);
            int counted = CountScored(targets.AsSpan(0, n));
            lossSum += Ops.CrossEntropy(logits, targets.AsSpan(0, n), PositionalDataset.IgnoreIndex).Item() * counted;
            correct += CountCorrect(logits.Span, targets.AsSpan(0, n), logits.Dim(-1));
            scored += counted;
        }
        return new EvaluationResult(scored == 0 ? 0 : lossSum / scored, scored == 0 ? 0 : (double)correct / scored, (int)scored);
    }

    /// <summary>Number of positions whose target is not the ignore index.</summary>
    public static int CountScored(ReadOnlySpan<int> targets)
    {
        int n = 0;
        foreach (int t in targets)
        {
            if (t != PositionalDataset.IgnoreIndex)
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>Number of scored positions whose arg-max equals the target.</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes)
    {
        int correct = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] != PositionalDataset.IgnoreIndex && TensorPrimitives.IndexOfMax(logits.Slice(r * classes, classes)) == targets[r])
            {
                correct++;
            }
        }
        return correct;
    }
}
