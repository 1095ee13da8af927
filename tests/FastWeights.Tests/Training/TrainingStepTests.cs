using FastWeights.Kernels;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Tests.Training;

public class TrainingStepTests
{
    private static (TrainingStep Step, int[] Inputs, int[] Targets, int Length) Setup(bool pooled, int hidden = 50, int batch = 128, bool sharded = false) =>
        Setup(pooled, hidden, batch, sharded, out _);

    private static (TrainingStep Step, int[] Inputs, int[] Targets, int Length) Setup(bool pooled, int hidden, int batch, bool sharded, out FastWeights.Models.TokenModel model)
    {
        var config = new TrainingConfig { Hidden = hidden, Batch = batch };
        var rng = new Rng(5);
        var task = new AssociativeRetrievalTask(config.Pairs);
        var network = RunDirectory.CreateNetwork(config, rng);
        model = network;
        var step = new TrainingStep(network, new Adam(network.NamedParameters(), config.LearningRate), config.ClipNorm, pooled,
            sharded ? () => RunDirectory.CreateNetwork(config, new Rng(99)) : null);
        int length = task.Length;
        var inputs = new int[batch * length];
        var targets = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            targets[b] = task.Sample(rng, inputs.AsSpan(b * length, length));
        }
        return (step, inputs, targets, length);
    }

    /// <summary>
    /// Once warmed up, the fw-rnn training step (R = 50, batch 128: about 1.5 MB of tensors per step without the
    /// arena) allocates less than 16 KB on the calling thread: only small objects (tensor headers, tape closures);
    /// whole or data parallel.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SteadyStateStepAllocatesUnderSixteenKilobytes(bool sharded)
    {
        const long Bound = 16 * 1024;
        var (step, inputs, targets, length) = Setup(pooled: true, sharded: sharded);
        // Up to 2 threads (this machine's cores): Parallel.For's own bookkeeping grows with the thread count.
        int savedThreads = KernelThreads.MaxThreads;
        long perStep;
        try
        {
            KernelThreads.MaxThreads = Math.Min(2, savedThreads);
            for (int i = 0; i < 5; i++)
            {
                step.Run(inputs, targets, targets.Length, length);
            }
            const int Steps = 10;
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Steps; i++)
            {
                step.Run(inputs, targets, targets.Length, length);
            }
            perStep = (GC.GetAllocatedBytesForCurrentThread() - start) / Steps;
        }
        finally
        {
            KernelThreads.MaxThreads = savedThreads;
        }
        Assert.True(perStep < Bound, $"{perStep} bytes allocated per step (bound {Bound})");

        // The same step without the arena allocates every tensor anew (so the bound above means something).
        var (plain, _, _, _) = Setup(pooled: false);
        plain.Run(inputs, targets, targets.Length, length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        plain.Run(inputs, targets, targets.Length, length);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before > 10 * Bound);
    }

    [Fact]
    public void PooledAndUnpooledStepsTrainIdentically()
    {
        var (pooled, inputs, targets, length) = Setup(pooled: true, hidden: 12, batch: 16);
        var (plain, _, _, _) = Setup(pooled: false, hidden: 12, batch: 16);
        for (int i = 0; i < 4; i++)
        {
            var a = pooled.Run(inputs, targets, targets.Length, length);
            var b = plain.Run(inputs, targets, targets.Length, length);
            Assert.Equal(b.Loss, a.Loss);
            Assert.Equal(b.Correct, a.Correct);
            Assert.True(a.Updated);
        }
        Assert.True(pooled.Arena.PooledFloats > 0);
        Assert.Equal(0, pooled.Arena.RentedCount);
    }

    /// <summary>
    /// The data-parallel step is the whole-batch step up to float rounding: the shards' losses, weighted by their
    /// shares of the batch, and their summed gradients give the same update (after 3 Adam steps the weights agree to
    /// 1e-5), the same loss and the same count of correct answers.
    /// </summary>
    [Fact]
    public void ShardedStepEqualsTheWholeBatchStepToRounding()
    {
        var (whole, inputs, targets, length) = Setup(pooled: true, hidden: 20, batch: 32, sharded: false, out var a);
        var (sharded, _, _, _) = Setup(pooled: true, hidden: 20, batch: 32, sharded: true, out var b);
        Assert.True(sharded.IsSharded(32));
        Assert.False(whole.IsSharded(32));
        for (int i = 0; i < 3; i++)
        {
            var ra = whole.Run(inputs, targets, 32, length);
            var rb = sharded.Run(inputs, targets, 32, length);
            Assert.Equal(ra.Loss, rb.Loss, 1e-5f);
            Assert.Equal(ra.Correct, rb.Correct);
            Assert.Equal(ra.Scored, rb.Scored);
            Assert.True(rb.Updated);
        }
        var pa = a.Parameters().ToArray();
        var pb = b.Parameters().ToArray();
        for (int i = 0; i < pa.Length; i++)
        {
            var x = pa[i].Span;
            var y = pb[i].Span;
            for (int j = 0; j < x.Length; j++)
            {
                Assert.True(Math.Abs(x[j] - y[j]) < 1e-5f, $"parameter {i}[{j}]: whole {x[j]}, sharded {y[j]}");
            }
        }
    }
}
