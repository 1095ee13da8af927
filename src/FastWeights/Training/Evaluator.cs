using FastWeights.Autodiff;
using FastWeights.Models;
using FastWeights.Tasks;

namespace FastWeights.Training;

/// <summary>Loss and accuracy of a model on a dataset at the targets it scores, in batches, without recording gradients.</summary>
public static class Evaluator
{
    /// <summary>
    /// Evaluates <paramref name="model"/> on all of <paramref name="data"/> (whose targets must be laid out as the model
    /// predicts: see <see cref="DataSplits.AtEveryPosition"/>), in batches of <paramref name="batchSize"/> sequences
    /// (default: the model's <see cref="TokenModel.EvaluationBatch"/>). Count is the number of scored targets.
    /// </summary>
    public static EvaluationResult Evaluate(TokenModel model, TokenDataset data, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Layout != model.Predicts)
        {
            throw new ArgumentException($"the model predicts {model.Predicts} but the data's targets are laid out {data.Layout}");
        }
        using var _ = Tape.NoGrad();
        int rows = batchSize ?? model.EvaluationBatch;
        int width = data.TargetsPerSequence;
        double lossSum = 0;
        long correct = 0, scored = 0;
        var idx = new int[rows];
        var inputs = new int[rows * data.Length];
        var targets = new int[rows * width];
        for (int start = 0; start < data.Count; start += rows)
        {
            int b = Math.Min(rows, data.Count - start);
            for (int i = 0; i < b; i++)
            {
                idx[i] = start + i;
            }
            var batchTargets = targets.AsSpan(0, b * width);
            data.Gather(idx.AsSpan(0, b), inputs, targets);
            var logits = model.Forward(inputs.AsSpan(0, b * data.Length), b, data.Length);
            int counted = TokenDataset.CountScored(batchTargets);
            lossSum += Ops.CrossEntropy(logits, batchTargets, TokenDataset.IgnoreIndex).Item() * counted;
            correct += CountCorrect(logits.Span, batchTargets, logits.Dim(-1));
            scored += counted;
        }
        return new EvaluationResult(scored == 0 ? 0 : lossSum / scored, scored == 0 ? 0 : (double)correct / scored, (int)scored);
    }

    /// <summary>Number of scored rows (target not the ignore index) whose arg-max equals the target.</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes)
    {
        int correct = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] != TokenDataset.IgnoreIndex && TensorPrimitives.IndexOfMax(logits.Slice(r * classes, classes)) == targets[r])
            {
                correct++;
            }
        }
        return correct;
    }
}
