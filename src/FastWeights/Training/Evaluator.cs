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
    /// (default: the model's <see cref="TokenModel.EvaluationBatch"/>, fewer for long sequences of a per-position model: <see cref="Rows"/>). Count is the number of scored targets.
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
        int rows = batchSize ?? (model.Predicts == TargetLayout.EveryPosition ? Rows(model.EvaluationBatch, data.Length) : model.EvaluationBatch);
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

    /// <summary>Tokens per evaluation batch at most, so long windows (language modelling) keep fewer activations alive.</summary>
    public const int MaxEvaluationTokens = 16_384;

    /// <summary>Sequences per evaluation batch: the model's <see cref="TokenModel.EvaluationBatch"/>, fewer for sequences longer than <see cref="MaxEvaluationTokens"/> / that many tokens.</summary>
    public static int Rows(int evaluationBatch, int length) => Math.Clamp(MaxEvaluationTokens / Math.Max(1, length), 1, evaluationBatch);

    /// <summary>The streams a split is scored as with carried state.</summary>
    public const int CarriedStreams = 16;

    /// <summary>
    /// Evaluates a model that carries its state on all of <paramref name="data"/>, whose windows are consecutive text: the
    /// windows are laid out as <paramref name="streams"/> streams (<see cref="SegmentStreams"/>, every window once), each
    /// window read from the state the previous window of its stream left, so a stream is scored as one pass over its
    /// windows' concatenation. Padding past the end of the split is not scored.
    /// </summary>
    public static EvaluationResult EvaluateCarried(SequenceModel model, TokenDataset data, int streams = CarriedStreams)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Layout != TargetLayout.EveryPosition)
        {
            throw new ArgumentException("carried-state evaluation needs targets at every position");
        }
        if (data.Count == 0)
        {
            return new EvaluationResult(0, 0, 0);
        }
        using var _ = Tape.NoGrad();
        var layout = new SegmentStreams(data.Count, streams, coverAll: true);
        int b = layout.Streams, t = data.Length;
        var state = model.CreateState(b);
        var idx = new int[1];
        var inputs = new int[b * t];
        var targets = new int[b * t];
        double lossSum = 0;
        long correct = 0, scored = 0;
        for (int p = 0; p < layout.PerStream; p++)
        {
            for (int s = 0; s < b; s++)
            {
                int w = layout.Window(s, p);
                var rowInputs = inputs.AsSpan(s * t, t);
                var rowTargets = targets.AsSpan(s * t, t);
                if (w < 0)
                {
                    rowInputs.Clear();
                    rowTargets.Fill(TokenDataset.IgnoreIndex);
                    continue;
                }
                idx[0] = w;
                data.Gather(idx, rowInputs, rowTargets);
            }
            var logits = model.Forward(inputs, b, t, state);
            int counted = TokenDataset.CountScored(targets);
            if (counted == 0)
            {
                continue;
            }
            lossSum += Ops.CrossEntropy(logits, targets, TokenDataset.IgnoreIndex).Item() * counted;
            correct += CountCorrect(logits.Span, targets, logits.Dim(-1));
            scored += counted;
        }
        return new EvaluationResult(scored == 0 ? 0 : lossSum / scored, scored == 0 ? 0 : (double)correct / scored, (int)scored);
    }

    /// <summary>
    /// Evaluates a run's model as the run is scored: with carried state over consecutive windows when
    /// <paramref name="carryState"/> (<see cref="EvaluateCarried"/>), otherwise window by window (<see cref="Evaluate(TokenModel, TokenDataset, int?)"/>).
    /// </summary>
    public static EvaluationResult Evaluate(TokenModel model, TokenDataset data, bool carryState) =>
        carryState
            ? EvaluateCarried(model as SequenceModel ?? throw new ArgumentException("carried state needs a sequence model"), data)
            : Evaluate(model, data);

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
