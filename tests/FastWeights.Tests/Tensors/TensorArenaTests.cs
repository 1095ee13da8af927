using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Tests.Tensors;

public class TensorArenaTests
{
    [Fact]
    public void ActiveArenaHandsOutZeroedStorageAndReusesItAfterReset()
    {
        var arena = new TensorArena();
        float[] first;
        using (arena.Activate())
        {
            var t = Tensor.Zeros(3, 4);
            t.Span.Fill(5f);
            first = t.Storage;
            Assert.Same(arena, TensorArena.Current);
            Assert.Equal(1, arena.RentedCount);
        }
        Assert.Null(TensorArena.Current);
        arena.Reset();
        Assert.Equal(0, arena.RentedCount);
        using (arena.Activate())
        {
            var again = Tensor.Zeros(12);
            Assert.Same(first, again.Storage);
            Assert.All(again.ToArray(), v => Assert.Equal(0f, v));
            // A different length gets another array.
            Assert.NotSame(first, Tensor.Zeros(13).Storage);
        }
        Assert.Equal(25, arena.PooledFloats);
        // Outside the scope tensors are ordinary allocations.
        Assert.NotSame(first, Tensor.Zeros(12).Storage);
    }

    [Fact]
    public void OpsAndGradientsInsideAnArenaGiveTheSameResultsAsWithout()
    {
        static float[] Run(TensorArena? arena)
        {
            var rng = new Rng(3);
            var w = Tensor.RandomNormal(rng, 1f, 4, 3);
            w.RequiresGrad = true;
            var x = Tensor.RandomNormal(rng, 1f, 5, 3);
            var scope = arena?.Activate();
            var loss = Ops.Mean(Ops.Tanh(Ops.MatMul(x, w, transB: true)));
            Tape.Backward(loss);
            var result = w.Grad!.ToArray();
            scope?.Dispose();
            arena?.Reset();
            return result;
        }
        var arena = new TensorArena();
        var plain = Run(null);
        Assert.Equal(plain, Run(arena));
        Assert.Equal(plain, Run(arena));
    }
}
