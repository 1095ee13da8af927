using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// The order in which training examples are visited: epoch e is a permutation drawn from a generator seeded
/// by (seed, e), and step s takes the next batch. A pure function of (seed, step), so a resumed run sees
/// exactly the batches an uninterrupted one would.
/// </summary>
public sealed class BatchOrder
{
    private readonly ulong seed;
    private readonly int count;
    private int[] permutation = [];
    private long epoch = -1;

    /// <summary>Creates the order over <paramref name="count"/> examples.</summary>
    public BatchOrder(ulong seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        this.seed = seed;
        this.count = count;
    }

    /// <summary>Writes the example indices of batch <paramref name="step"/> into <paramref name="indices"/>.</summary>
    public void Batch(int step, Span<int> indices)
    {
        long position = (long)step * indices.Length;
        for (int i = 0; i < indices.Length; i++, position++)
        {
            long e = position / count;
            if (e != epoch)
            {
                permutation = new int[count];
                for (int j = 0; j < count; j++)
                {
                    permutation[j] = j;
                }
                new Rng(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(e + 1))).Shuffle(permutation.AsSpan());
                epoch = e;
            }
            indices[i] = permutation[position % count];
        }
    }
}
