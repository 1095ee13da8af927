namespace FastWeights.Kernels;

/// <summary>
/// The one thread limit of the library's kernels (matrix products, the fused recurrent kernels, the fast-weight
/// programmer kernels) and the deterministic loops that honour it. Work is split into fixed items (chunks of a
/// batch, sequences, tiles) computed by exactly the same code whatever thread runs them, and any reduction over
/// items runs in item order, so results are bit-identical for any thread count.
/// </summary>
public static class KernelThreads
{
    private static int maxThreads = Environment.ProcessorCount;

    /// <summary>
    /// Most threads one kernel call may use (default: <see cref="Environment.ProcessorCount"/>). Small calls always
    /// run on the calling thread. Changing it never changes a result.
    /// </summary>
    public static int MaxThreads
    {
        get => threadLimit > 0 ? Math.Min(threadLimit, maxThreads) : maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            maxThreads = value;
        }
    }

    // A lower limit for the kernels called from this thread (a shard of a data-parallel step); 0: none.
    [ThreadStatic]
    private static int threadLimit;

    /// <summary>
    /// Until the returned scope is disposed, kernels called from this thread use at most <paramref name="threads"/>
    /// threads (and never more than <see cref="MaxThreads"/>): the shards of a data-parallel step share the cores
    /// instead of each taking all of them. Never changes a result.
    /// </summary>
    internal static ThreadLimitScope LimitThisThread(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int previous = threadLimit;
        threadLimit = threads;
        return new ThreadLimitScope(previous);
    }

    /// <summary>Restores the calling thread's previous kernel thread limit.</summary>
    internal readonly struct ThreadLimitScope(int previous) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => threadLimit = previous;
    }

    /// <summary>
    /// Calls <paramref name="body"/>(i) for i in [0, count), on at most <paramref name="threads"/> threads
    /// (−1: <see cref="MaxThreads"/>); on the calling thread when one thread or one item.
    /// </summary>
    internal static void For(int count, int threads, Action<int> body)
    {
        if (threads < 0)
        {
            threads = MaxThreads;
        }
        if (count <= 1 || threads == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>Calls <paramref name="body"/>(s, workspace) for s in [0, count) with one workspace per worker.</summary>
    internal static void ForEach<TWork>(int count, Func<TWork> createWorkspace, Action<int, TWork> body)
    {
        if (count == 0)
        {
            return;
        }
        int limit = MaxThreads;
        if (limit == 1 || count == 1)
        {
            var work = createWorkspace();
            for (int s = 0; s < count; s++)
            {
                body(s, work);
            }
            return;
        }
        Parallel.For(
            0,
            count,
            new ParallelOptions { MaxDegreeOfParallelism = limit },
            createWorkspace,
            (s, _, work) =>
            {
                body(s, work);
                return work;
            },
            _ => { });
    }
}
