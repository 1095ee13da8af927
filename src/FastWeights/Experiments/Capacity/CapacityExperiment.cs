using System.Diagnostics;
using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>
/// The capacity experiment of Schlag et al. 2021, §6.1: for each number of keys S, trains a fresh
/// <see cref="CapacityNetwork"/> on freshly sampled <see cref="CapacityTask"/> sequences and reports the query loss on
/// held-out sequences. With the sum rule, retrieval should degrade once S exceeds d_k; the delta rule can overwrite.
/// </summary>
public sealed record CapacityExperiment
{
    /// <summary>The update rule (linear = sum rule, delta).</summary>
    public FastWeightRule Rule { get; init; } = FastWeightRule.Linear;

    /// <summary>Setting 1 (distinct keys) or 2 (keys repeat with new values).</summary>
    public CapacitySetting Setting { get; init; } = CapacitySetting.DistinctKeys;

    /// <summary>Key dimension d_k (= d_v = model size).</summary>
    public int KeyDim { get; init; } = 64;

    /// <summary>Value symbols V.</summary>
    public int Values { get; init; } = 32;

    /// <summary>Feature map φ for both rules (elu+1 as in Schlag et al.'s linear attention baseline).</summary>
    public FeatureMap FeatureMap { get; init; } = FeatureMap.EluPlusOne;

    /// <summary>Normalisation of φ(q), φ(k) (sum normalisation, Schlag et al. §4.2).</summary>
    public KeyNormalization Normalization { get; init; } = KeyNormalization.Sum;

    /// <summary>Training steps per point.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Sequences per step.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Peak Adam learning rate (warm-up 5%, then cosine to 5%).</summary>
    public float LearningRate { get; init; } = 3e-3f;

    /// <summary>Held-out sequences per point.</summary>
    public int EvalSequences { get; init; } = 256;

    /// <summary>Seed of data and initialisation.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Trains and evaluates one point.</summary>
    public CapacityPoint Run(int keys, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var task = new CapacityTask(keys, Values, Setting);
        var rng = new Rng(Seed ^ ((ulong)keys * 0x9E3779B97F4A7C15UL));
        var dataRng = rng.Fork();
        var evalRng = rng.Fork();
        var options = new FastWeightLayerOptions { Rule = Rule, FeatureMap = FeatureMap, Normalization = Normalization, ChunkSize = 64 };
        var model = new CapacityNetwork(rng, keys, Values, KeyDim, options);
        var optimizer = new Adam(model.NamedParameters(), LearningRate);
        var schedule = new CosineSchedule(LearningRate, Steps, Math.Max(1, Steps / 20), LearningRate * 0.05f);
        // Newly allocated tensors each step (no arena), global norm clipped at 1.
        var optimization = new OptimizationStep(model.Parameters(), optimizer, clipNorm: 1f, pooled: false);
        int n = Batch * task.Length;
        var k = new int[n];
        var v = new int[n];
        var y = new int[n];
        var loop = new TrainingLoop
        {
            Optimizer = optimizer,
            Schedule = schedule,
            Steps = Steps,
            Divergence = new DivergenceRule(),
            Step = _ =>
            {
                task.SampleBatch(dataRng, Batch, k, v, y);
                using var scope = optimization.Begin();
                var loss = Ops.CrossEntropy(model.Forward(k, v, Batch, task.Length), y, TokenDataset.IgnoreIndex);
                return new TrainingStepResult(loss.Item(), 0, optimization.Update(loss));
            },
        };
        var (end, trained, _) = loop.Run(0, cancel);
        if (end == TrainingLoopEnd.Diverged)
        {
            return new CapacityPoint(keys, double.NaN, double.NaN, clock.Elapsed.TotalSeconds) { Diverged = true, Steps = trained };
        }
        double lossSum = 0;
        long correct = 0, scored = 0;
        using (Tape.NoGrad())
        {
            for (int done = 0; done < EvalSequences; done += Batch)
            {
                int b = Math.Min(Batch, EvalSequences - done);
                int m = b * task.Length;
                task.SampleBatch(evalRng, b, k, v, y);
                var logits = model.Forward(k.AsSpan(0, m), v.AsSpan(0, m), b, task.Length);
                int counted = TokenDataset.CountScored(y.AsSpan(0, m));
                lossSum += Ops.CrossEntropy(logits, y.AsSpan(0, m), TokenDataset.IgnoreIndex).Item() * counted;
                correct += Evaluator.CountCorrect(logits.Span, y.AsSpan(0, m), Values);
                scored += counted;
            }
        }
        double evalLoss = lossSum / scored;
        return new CapacityPoint(keys, evalLoss, (double)correct / scored, clock.Elapsed.TotalSeconds) { Diverged = !double.IsFinite(evalLoss), Steps = trained };
    }
}
