using System.Diagnostics;
using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>
/// The capacity experiment with the protocol of the code released with Schlag, Irie and Schmidhuber 2021 (§6.1):
/// <see cref="SchlagCapacityTask"/> data, <see cref="SchlagCapacityNetwork"/>, 0.5 · squared error against the one-hot
/// target, Adam at a constant 10⁻³, batch 32, one query per training sequence; every <see cref="EvalEvery"/> steps the
/// loss over all written keys of <see cref="EvalSequences"/> fresh sequences, stopping once it reaches
/// <see cref="StopLoss"/> or has not improved for <see cref="Patience"/> evaluations. The point reports a final
/// evaluation on <see cref="FinalSequences"/> held-out sequences of the training length and, for comparison with the
/// paper's logs, on sequences of S writes (the length at which the released code evaluates; the same in setting 1).
/// </summary>
public sealed record SchlagCapacityExperiment
{
    /// <summary>The update rule (linear = sum rule, delta).</summary>
    public FastWeightRule Rule { get; init; } = FastWeightRule.Delta;

    /// <summary>Setting 1 (L = S distinct keys) or 2 (L = 2S writes with replacement).</summary>
    public CapacitySetting Setting { get; init; } = CapacitySetting.RepeatedKeys;

    /// <summary>Size d of the key and query projections before φ (the paper's 64).</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>φ: DPFP-1 (128 features from d = 64) in the paper's setting 2; elu+1 is its "linear" attention.</summary>
    public FeatureMap FeatureMap { get; init; } = FeatureMap.Dpfp;

    /// <summary>Most training steps per point.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>Sequences per step.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Constant Adam learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Steps between evaluations.</summary>
    public int EvalEvery { get; init; } = 100;

    /// <summary>Sequences per periodic evaluation (every written key queried).</summary>
    public int EvalSequences { get; init; } = 20;

    /// <summary>Evaluations without a new best loss before stopping (the paper stops after more than 10).</summary>
    public int Patience { get; init; } = 11;

    /// <summary>Stop once the evaluation loss is at or below this.</summary>
    public float StopLoss { get; init; } = 0.001f;

    /// <summary>Held-out sequences of the final evaluation.</summary>
    public int FinalSequences { get; init; } = 100;

    /// <summary>Seed of data and initialisation.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Trains and evaluates one point; reports the final evaluation's loss and accuracy.</summary>
    public SchlagCapacityPoint Run(int keys, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var task = new SchlagCapacityTask(keys, Setting);
        var rng = new Rng(Seed ^ ((ulong)keys * 0x9E3779B97F4A7C15UL));
        var dataRng = rng.Fork();
        var evalRng = rng.Fork();
        var finalRng = rng.Fork();
        var model = new SchlagCapacityNetwork(rng, keys, task.Values, Hidden, Rule, FeatureMap);
        var optimizer = new Adam(model.NamedParameters(), LearningRate);
        int length = task.Length, n = Batch * length;
        var k = new int[n];
        var v = new int[n];
        var queries = new int[Batch];
        var targets = new int[Batch];
        var optimization = new OptimizationStep(model.Parameters(), optimizer, clipNorm: null);
        double best = double.PositiveInfinity;
        int strikes = 0;
        var loop = new TrainingLoop
        {
            Optimizer = optimizer,
            Schedule = new ConstantSchedule(LearningRate),
            Steps = MaxSteps,
            Divergence = new DivergenceRule(),
            Step = _ =>
            {
                for (int b = 0; b < Batch; b++)
                {
                    var ks = k.AsSpan(b * length, length);
                    var vs = v.AsSpan(b * length, length);
                    task.SampleWrites(dataRng, ks, vs);
                    (queries[b], targets[b]) = SchlagCapacityTask.SampleQuery(dataRng, ks, vs);
                }
                // The step's tensors and the parameters' gradients come from the arena and are recycled after the step; no clipping.
                using var scope = optimization.Begin();
                var loss = SchlagCapacityNetwork.SquaredErrorLoss(model.Forward(k, v, Batch, length, queries, 1), targets);
                return new TrainingStepResult(loss.Item(), 0, optimization.Update(loss));
            },
            EvalEvery = EvalEvery,
            // Early stopping: after Patience validations without a new best, or once the loss reaches StopLoss.
            Validate = _ =>
            {
                // As the released code: on sequences of S writes, each sequence's mean loss over its queries averaged.
                double loss = Evaluate(model, task, evalRng, EvalSequences, keys).SequenceLoss;
                if (loss < best)
                {
                    best = loss;
                    strikes = 0;
                }
                else if (++strikes >= Patience)
                {
                    return true;
                }
                return loss <= StopLoss;
            },
        };
        var (end, step, _) = loop.Run(0, cancel);
        if (end == TrainingLoopEnd.Diverged)
        {
            return new SchlagCapacityPoint(keys, double.NaN, double.NaN, double.NaN, double.NaN, step, clock.Elapsed.TotalSeconds) { Diverged = true };
        }
        var (finalLoss, _, accuracy) = Evaluate(model, task, finalRng, FinalSequences, length);
        var (shortLoss, _, shortAccuracy) = Evaluate(model, task, finalRng, FinalSequences, keys);
        return new SchlagCapacityPoint(keys, finalLoss, accuracy, shortLoss, shortAccuracy, step, clock.Elapsed.TotalSeconds) { Diverged = !double.IsFinite(finalLoss) || !double.IsFinite(shortLoss) };
    }

    // Over every written key of `sequences` fresh sequences of `length` writes, all queries of a sequence at once: the
    // loss per query, the mean of the sequences' mean losses, and the accuracy per query.
    private static (double Loss, double SequenceLoss, double Accuracy) Evaluate(SchlagCapacityNetwork model, SchlagCapacityTask task, Rng rng, int sequences, int length)
    {
        var k = new int[length];
        var v = new int[length];
        double lossSum = 0, sequenceLossSum = 0;
        long correct = 0, count = 0;
        using var noGrad = Tape.NoGrad();
        for (int s = 0; s < sequences; s++)
        {
            task.SampleWrites(rng, k, v);
            var all = SchlagCapacityTask.AllQueries(k, v);
            var qk = all.Select(x => x.Key).ToArray();
            var qt = all.Select(x => x.Target).ToArray();
            var retrievals = model.Forward(k, v, 1, length, qk, qk.Length);
            double loss = SchlagCapacityNetwork.SquaredErrorLoss(retrievals, qt).Item();
            lossSum += loss * qk.Length;
            sequenceLossSum += loss;
            correct += Evaluator.CountCorrect(retrievals.Span, qt, task.Values);
            count += qk.Length;
        }
        return (lossSum / count, sequenceLossSum / sequences, (double)correct / count);
    }
}
