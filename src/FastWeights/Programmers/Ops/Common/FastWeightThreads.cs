namespace FastWeights.Programmers.Ops.Common;

/// <summary>
/// Runs one work item per (batch, head) sequence over threads. Each sequence is computed by exactly the same code
/// whatever thread runs it and there is no cross-sequence reduction, so results are bit-identical for any thread count.
/// </summary>
internal static class FastWeightThreads
{
    private static int maxThreads = Environment.ProcessorCount;

    /// <summary>Most threads a call may use (default: the processor count). Changing it never changes a result.</summary>
    public static int MaxThreads
    {
        get => maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            maxThreads = value;
        }
    }

    /// <summary>Calls <paramref name="body"/>(s, workspace) for s in [0, count) with one workspace per worker.</summary>
    public static void ForEach<TWork>(int count, Func<TWork> createWorkspace, Action<int, TWork> body)
    {
        if (count == 0)
        {
            return;
        }
        if (maxThreads == 1 || count == 1)
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
            new ParallelOptions { MaxDegreeOfParallelism = maxThreads },
            createWorkspace,
            (s, _, work) =>
            {
                body(s, work);
                return work;
            },
            _ => { });
    }
}
