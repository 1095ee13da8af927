using FastWeights.Tensors;

namespace FastWeights.Tests.Tensors;

public class RngTests
{
    [Fact]
    public void SameSeedSameStreamAndStateRoundTrips()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
        }
        var state = a.GetState();
        ulong next = a.NextUInt64();
        var c = new Rng(0);
        c.SetState(state);
        Assert.Equal(next, c.NextUInt64());
        Assert.NotEqual(new Rng(1).NextUInt64(), new Rng(2).NextUInt64());
    }

    [Fact]
    public void DrawsHaveTheRightRangeAndMoments()
    {
        var rng = new Rng(7);
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        var counts = new int[5];
        for (int i = 0; i < n; i++)
        {
            double g = rng.NextGaussian();
            sum += g;
            sumSq += g * g;
            float u = rng.NextFloat();
            Assert.InRange(u, 0f, 0.99999999f);
            counts[rng.NextInt(5)]++;
        }
        Assert.InRange(sum / n, -0.01, 0.01);
        Assert.InRange(sumSq / n, 0.98, 1.02);
        foreach (int c in counts)
        {
            Assert.InRange(c, (n / 5) - 1500, (n / 5) + 1500);
        }
    }
}
