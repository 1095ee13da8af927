using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Models;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// One training step of a token model: forward, cross-entropy, backward, clipping and the optimizer's update, its
/// tensors recycled from step to step. With a replica factory, a batch of at least <see cref="MinShardedBatch"/>
/// sequences is data parallel: it is split into <see cref="Shards"/> fixed parts, each run forward and backward on
/// its own replica of the model (a copy of the weights) on its own thread when there are cores for it, and the
/// replicas' gradients are summed into the model's in shard order, each shard's loss weighted by its share of the
/// scored targets. The split depends only on the batch, never on the thread count, so a run is the same bit for bit
/// on one thread or two.
/// </summary>
public sealed class TrainingStep
{
    /// <summary>Smallest batch that is split into shards; smaller batches run whole.</summary>
    public const int MinShardedBatch = 16;

    /// <summary>Most shards a batch may be split into (<c>--shards</c>).</summary>
    public const int MaxShards = 16;

    private readonly TokenModel network;
    private readonly OptimizationStep step;
    private readonly Func<TokenModel>? replicate;
    private readonly Tensor[] parameters;
    private Shard[]? shards;

    /// <summary>Creates the step for <paramref name="network"/>, updated by <paramref name="optimizer"/>.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">The optimizer over the network's parameters; set its learning rate before each step.</param>
    /// <param name="clipNorm">Largest global gradient norm (Pascanu et al. 2013); positive.</param>
    /// <param name="pooled">Whether the step's tensors come from the step's <see cref="TensorArena"/> (true) or are newly allocated each step (false; for comparisons).</param>
    /// <param name="replicate">
    /// Builds another model of the same architecture (its weights are overwritten with the network's before every
    /// step): makes batches of at least <see cref="MinShardedBatch"/> data parallel. Null: every batch runs whole.
    /// </param>
    /// <param name="shards">Shards of a data-parallel batch (<c>--shards</c>; 1: none).</param>
    public TrainingStep(TokenModel network, Optimizer optimizer, float clipNorm, bool pooled = true, Func<TokenModel>? replicate = null, int shards = 2)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shards, MaxShards);
        this.network = network;
        this.replicate = replicate;
        Shards = shards;
        parameters = [.. network.Parameters()];
        step = new OptimizationStep(parameters, optimizer, clipNorm, pooled);
    }

    /// <summary>The arena the step's tensors live in (exposed for diagnostics: pooled bytes and buffer counts).</summary>
    public TensorArena Arena => step.Arena;

    /// <summary>Shards of a data-parallel batch (1: every batch runs whole).</summary>
    public int Shards { get; }

    /// <summary>Whether a batch of <paramref name="batch"/> sequences runs as <see cref="Shards"/> data-parallel shards.</summary>
    public bool IsSharded(int batch) => replicate is not null && Splits(Shards, batch);

    /// <summary>Whether <paramref name="shards"/> (<c>--shards</c>) split a batch of <paramref name="batch"/> sequences.</summary>
    public static bool Splits(int shards, int batch) => shards > 1 && batch >= MinShardedBatch;

    /// <summary>
    /// Trains on one batch of token ids laid out [batch, length] with targets as the model predicts them (one per
    /// sequence, or one per position with <see cref="TokenDataset.IgnoreIndex"/> where none). Tensors
    /// created during the step must not be kept: their storage is reused by the next step.
    /// </summary>
    public TrainingStepResult Run(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int length) => Run(inputs, targets, batch, length, null);

    /// <summary>
    /// As <see cref="Run(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/>; with a <paramref name="carried"/> state the
    /// batch continues the sequences the state has read and leaves the state after it (truncated backpropagation
    /// through time, <see cref="SequenceModel.Forward(ReadOnlySpan{int}, int, int, SequenceModelState)"/>). The state must
    /// have been made outside the step. A batch with a carried state always runs whole.
    /// </summary>
    public TrainingStepResult Run(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int length, SequenceModelState? carried)
    {
        if (carried is null && IsSharded(batch))
        {
            return RunSharded(inputs, targets, batch, length);
        }
        using var scope = step.Begin();
        var logits = carried is null
            ? network.Forward(inputs, batch, length)
            : (network as SequenceModel ?? throw new ArgumentException("carried state needs a sequence model")).Forward(inputs, batch, length, carried);
        var loss = Ops.CrossEntropy(logits, targets);
        int correct = Evaluator.CountCorrect(logits.Span, targets, logits.Dim(-1));
        int scored = TokenDataset.CountScored(targets);
        bool updated = step.Update(loss);
        return new TrainingStepResult(loss.Item(), correct, updated, scored);
    }

    // Shard s of S holds rows [s·B/S, (s+1)·B/S) of the batch; each runs forward and backward on its replica, with the
    // loss mean_s · n_s/N (n_s of the N scored targets), so that the summed gradients are those of the batch's mean.
    private TrainingStepResult RunSharded(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int length)
    {
        shards ??= [.. Enumerable.Range(0, Shards).Select(_ => new Shard(replicate!()))];
        int perSequence = targets.Length / batch;
        int scored = TokenDataset.CountScored(targets);
        for (int s = 0; s < Shards; s++)
        {
            int first = s * batch / Shards, end = (s + 1) * batch / Shards;
            shards[s].Prepare(parameters, inputs[(first * length)..(end * length)], targets[(first * perSequence)..(end * perSequence)], end - first, length, scored);
        }
        int threads = Math.Min(KernelThreads.MaxThreads, Shards);
        if (threads > 1)
        {
            // Shards s, s + threads, … run one after another on worker s; each worker's kernels get cores / threads.
            int each = Math.Max(1, KernelThreads.MaxThreads / threads);
            ParallelWorkers.Run(threads, w =>
            {
                for (int s = w; s < Shards; s += threads)
                {
                    shards[s].Run(each);
                }
            });
        }
        else
        {
            foreach (var shard in shards)
            {
                shard.Run(KernelThreads.MaxThreads);
            }
        }

        using var scope = step.Begin();
        double loss = 0;
        int correct = 0;
        bool finite = true;
        foreach (var shard in shards)
        {
            loss += shard.WeightedLoss;
            correct += shard.Correct;
            finite &= shard.Finite;
        }
        bool updated = false;
        if (finite)
        {
            // Σ over shards in shard order: the same sums whatever thread ran which shard.
            for (int i = 0; i < parameters.Length; i++)
            {
                var g = parameters[i].EnsureGrad().Span;
                foreach (var shard in shards)
                {
                    if (shard.Parameters[i].Grad is { } sg)
                    {
                        TensorPrimitives.Add(g, sg.Span, g);
                    }
                }
            }
            updated = step.ApplyGradients();
        }
        foreach (var shard in shards)
        {
            shard.Release();
        }
        return new TrainingStepResult((float)loss, correct, updated, scored);
    }

    // One shard: a replica of the model, its arena, and its part of the batch.
    private sealed class Shard(TokenModel replica)
    {
        private readonly TensorArena arena = new();
        private int[] inputs = [];
        private int[] targets = [];
        private int rows, length, scoredTotal;

        public Tensor[] Parameters { get; } = [.. replica.Parameters()];

        public double WeightedLoss { get; private set; }

        public int Correct { get; private set; }

        public bool Finite { get; private set; }

        // The network's current weights, and this shard's rows of the batch (copied into buffers kept from step to step).
        public void Prepare(Tensor[] weights, ReadOnlySpan<int> shardInputs, ReadOnlySpan<int> shardTargets, int rows, int length, int scoredTotal)
        {
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i].Span.CopyTo(Parameters[i].Span);
            }
            this.rows = rows;
            this.length = length;
            this.scoredTotal = scoredTotal;
            if (inputs.Length != shardInputs.Length)
            {
                inputs = new int[shardInputs.Length];
            }
            if (targets.Length != shardTargets.Length)
            {
                targets = new int[shardTargets.Length];
            }
            shardInputs.CopyTo(inputs);
            shardTargets.CopyTo(targets);
        }

        // Forward and backward on this thread (the tape is per thread), its kernels limited to `threads` threads.
        public void Run(int threads)
        {
            using var limit = KernelThreads.LimitThisThread(threads);
            using var active = arena.Activate();
            var logits = replica.Forward(inputs, rows, length);
            var loss = Ops.CrossEntropy(logits, targets);
            Correct = Evaluator.CountCorrect(logits.Span, targets, logits.Dim(-1));
            int scored = TokenDataset.CountScored(targets);
            float value = loss.Item();
            Finite = float.IsFinite(value);
            WeightedLoss = scored == 0 ? 0 : (double)value * scored / scoredTotal;
            if (Finite && scored > 0)
            {
                Tape.Backward(Ops.Scale(loss, (float)scored / scoredTotal));
            }
            Tape.Reset();
        }

        // Drops the gradients and recycles the shard's tensors.
        public void Release()
        {
            foreach (var p in Parameters)
            {
                p.ZeroGrad();
            }
            arena.Reset();
        }
    }
}
