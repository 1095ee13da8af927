using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightProgrammers.Ops.Delta;
using FastWeights.Layers.FastWeightProgrammers.Ops.GatedDelta;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

/// <summary>The chunkwise delta-rule ops inside a <see cref="TensorArena"/> scope, as the training loops and the op benchmark run them.</summary>
public class FastWeightOpArenaTests
{
    private const int B = 2, H = 2, T = 200, Dk = 32, Dv = 32, Chunk = 64;

    private sealed class Inputs
    {
        public Inputs(ulong seed)
        {
            var rng = new Rng(seed);
            Q = Tensor.RandomUniform(rng, -0.2f, 0.2f, B, H, T, Dk);
            K = Tensor.RandomUniform(rng, -0.2f, 0.2f, B, H, T, Dk);
            V = Tensor.RandomUniform(rng, -1f, 1f, B, H, T, Dv);
            Alpha = Tensor.RandomUniform(rng, 0.8f, 1f, B, H, T);
            Beta = Tensor.RandomUniform(rng, 0.1f, 0.9f, B, H, T);
            S0 = Tensor.RandomUniform(rng, -0.5f, 0.5f, B, H, Dv, Dk);
            G = Tensor.RandomNormal(rng, 1f, B, H, T, Dv);
            Leaves = [Q, K, V, Alpha, Beta, S0];
        }

        public Tensor Q { get; }
        public Tensor K { get; }
        public Tensor V { get; }
        public Tensor Alpha { get; }
        public Tensor Beta { get; }
        public Tensor S0 { get; }
        public Tensor G { get; }
        public Tensor[] Leaves { get; }
    }

    // One fwd + bwd of Σ o ⊙ G + Σ S_T inside the arena's scope (when given), recycled afterwards as a training step
    // does; returns the output, the final state and every leaf gradient, copied out before the reset.
    private static float[][] Step(Inputs x, bool gated, TensorArena? arena)
    {
        foreach (var t in x.Leaves)
        {
            t.RequiresGrad = true;
            t.Grad = null;
        }
        TensorArena.Scope scope = arena is null ? default : arena.Activate();
        try
        {
            var (o, s) = gated
                ? GatedDeltaRuleOp.Forward(x.Q, x.K, x.V, x.Alpha, x.Beta, x.S0, FastWeightComputeMode.Chunkwise, Chunk)
                : DeltaRuleOp.Forward(x.Q, x.K, x.V, x.Beta, x.S0, FastWeightComputeMode.Chunkwise, Chunk);
            Tape.Backward(Ops.Add(Ops.Sum(Ops.Mul(o, x.G)), Ops.Sum(s)));
            var grads = (gated ? x.Leaves : x.Leaves.Where(t => t != x.Alpha)).Select(t => t.Grad!.ToArray());
            return [o.ToArray(), s.ToArray(), .. grads];
        }
        finally
        {
            foreach (var t in x.Leaves)
            {
                t.Grad = null;
            }
            Tape.Reset();
            if (arena is not null)
            {
                scope.Dispose();
                arena.Reset();
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResultsAreIdenticalWithAndWithoutTheArena(bool gated)
    {
        var x = new Inputs(11);
        var plain = Step(x, gated, null);
        var arena = new TensorArena();
        // The second round runs on recycled (dirty, then cleared) storage.
        for (int round = 0; round < 2; round++)
        {
            var pooled = Step(x, gated, arena);
            Assert.Equal(plain.Length, pooled.Length);
            for (int i = 0; i < plain.Length; i++)
            {
                Assert.Equal(plain[i], pooled[i]);
            }
        }
        Assert.Equal(0, arena.RentedCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WarmedUpStepInsideTheArenaAllocatesNoTensorSizedArrays(bool gated)
    {
        var x = new Inputs(12);
        var arena = new TensorArena();
        Step(x, gated, arena);
        Step(x, gated, arena);
        long pooled = arena.PooledFloats;

        long before = GC.GetAllocatedBytesForCurrentThread();
        Step(x, gated, arena);
        long withArena = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        Step(x, gated, null);
        long without = GC.GetAllocatedBytesForCurrentThread() - before;

        // No new arena arrays once warmed up, and the op's outputs and gradients (≥ 4 [B, H, T, 32] tensors) are
        // no longer allocated: what remains (tape nodes, per-call workspaces, the copies above) is far smaller.
        Assert.Equal(pooled, arena.PooledFloats);
        long tensorBytes = (long)B * H * T * Dv * sizeof(float);
        Assert.True(without - withArena >= 4 * tensorBytes, $"with arena {withArena} B, without {without} B");
    }
}
