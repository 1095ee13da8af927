namespace FastWeights.Kernels;

/// <summary>
/// The blocked loops around the micro-kernel (Goto's five loops): columns of C in blocks of NC,
/// the shared dimension in blocks of KC (B block packed once, shared by the threads), rows of C in tasks of at
/// most MC rows (A block packed per thread), then NR-wide and MR-tall tiles.
/// A result element always sees the same k-blocks in the same order and the same micro-kernel arithmetic,
/// so the partition into tasks (and the thread count) cannot change it.
/// Small products skip packing: the kernel reads A through its strides and a row-major B directly.
/// </summary>
internal static unsafe class GemmDriver
{
    private const int MR = GemmMicroKernel.MR;
    private const int NR = GemmMicroKernel.NR;

    /// <summary>Depth of a k-block (B micro-panel KC×NR = 24 KiB stays in L1).</summary>
    internal const int KC = 384;

    /// <summary>Rows per A block (MC×KC ≈ 216 KiB stays in L2).</summary>
    internal const int MC = 144;

    /// <summary>Columns per B block (KC×NC = 6 MiB in L3).</summary>
    internal const int NC = 4096;

    /// <summary>Multiply-adds (m·n·k) below which operands are not packed.</summary>
    internal const long DirectWork = 1L << 18;

    /// <summary>Multiply-adds (m·n·k) from which the work is spread over threads.</summary>
    internal const long ParallelWork = 1L << 20;

    /// <summary>Tests set this (for the calling thread) to force (true) or forbid (false) packing; null lets the size decide.</summary>
    [ThreadStatic]
    internal static bool? ForcePacking;

    /// <summary>One product: op(A) rows/cols through strides, C row-major. m, n, k ≥ 1.</summary>
    public static void Run(
        float* a, nint ars, nint acs, float* b, nint brs, nint bcs, float* c, nint ldc,
        int m, int n, int k, float alpha, float beta, int maxThreads)
    {
        KernelPath path = KernelPaths.Current;
        if ((m == 1 || n == 1) && path != KernelPath.Portable && ForcePacking is null)
        {
            // Matrix-vector shapes: C column = op(A)·b, or C row = op(B)ᵀ·a.
            bool done = n == 1
                ? GemmVector.TryRun(m, k, a, ars, acs, b, brs, c, ldc, alpha, beta)
                : GemmVector.TryRun(n, k, b, bcs, brs, a, acs, c, 1, alpha, beta);
            if (done)
            {
                return;
            }
        }

        long work = (long)m * n * k;
        bool pack = ForcePacking ?? (work > DirectWork);
        int threads = work >= ParallelWork ? Math.Max(1, maxThreads) : 1;

        // Reuse this thread's job object (a nested call on the same thread takes a fresh one).
        Job job = cachedJob ?? new Job();
        cachedJob = null;
        job.A = a;
        job.Ars = ars;
        job.Acs = acs;
        job.B = b;
        job.Brs = brs;
        job.Bcs = bcs;
        job.C = c;
        job.Ldc = ldc;
        job.M = m;
        job.Alpha = alpha;
        job.PackA = pack;
        job.PackBFull = pack || bcs != 1;
        job.KernelPath = path;
        job.Threads = threads;
        try
        {
            RunBlocks(job, b, brs, bcs, n, k, beta, threads);
        }
        finally
        {
            job.A = job.B = job.C = job.Bpack = null;
            cachedJob = job;
        }
    }

    [ThreadStatic]
    private static Job? cachedJob;

    private static void RunBlocks(Job job, float* b, nint brs, nint bcs, int n, int k, float beta, int threads)
    {
        int m = job.M;

        // k-blocks of equal size (at most KC): depend only on k, never on threads.
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;

        using var bBuffer = PackBuffer.Rent(false, (long)kcMax * Math.Min(RoundUp(n, NR), NC));
        job.Bpack = bBuffer.Pointer;

        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            int panels = (nc + NR - 1) / NR;
            job.Nc = nc;
            int pDone = 0;
            for (int blk = 0; blk < kBlocks; blk++)
            {
                int kc = (int)(((long)(blk + 1) * k / kBlocks) - pDone);
                job.Kc = kc;
                job.Pc = pDone;
                job.Jc = jc;
                job.Beta = blk == 0 ? beta : 1f;
                pDone += kc;

                float* bBlock = b + (job.Pc * brs) + (jc * bcs);
                if (job.PackBFull)
                {
                    if (threads > 1 && panels >= 2 * threads)
                    {
                        job.Panels = panels;
                        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.PackBTask);
                    }
                    else
                    {
                        GemmPacking.PackB(job.Bpack, bBlock, brs, bcs, nc, kc, 0, panels);
                    }
                }
                else if (nc % NR != 0)
                {
                    // Direct B: only the ragged last panel needs zero padding.
                    GemmPacking.PackB(job.Bpack, bBlock, brs, bcs, nc, kc, panels - 1, panels);
                }

                // Tasks: row ranges of at most MC rows;
                // if rows are too few, split the NR panels instead.
                int rowPanels = (m + MR - 1) / MR;
                if (threads > 1 && rowPanels < 2 * threads && panels >= 2 * threads)
                {
                    job.RowChunk = m;
                    job.ColumnTasks = Math.Min(panels, 4 * threads);
                    job.Panels = panels;
                    job.Tasks = job.ColumnTasks;
                }
                else
                {
                    // About three tasks per thread when threaded, so a core slowed by other work is balanced dynamically.
                    int tasksWanted = threads > 1 ? 3 * threads : 1;
                    int chunkPanels = Math.Min(MC / MR, Math.Max(1, (rowPanels + tasksWanted - 1) / tasksWanted));
                    job.RowChunk = chunkPanels * MR;
                    job.ColumnTasks = 1;
                    job.Panels = panels;
                    job.Tasks = (m + job.RowChunk - 1) / job.RowChunk;
                }

                if (threads > 1 && job.Tasks > 1)
                {
                    Parallel.For(0, job.Tasks, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.RunTask);
                }
                else
                {
                    for (int t = 0; t < job.Tasks; t++)
                    {
                        job.RunTask(t);
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>State of one product shared by its tasks.</summary>
    private sealed class Job
    {
        /// <summary>Panel <paramref name="q"/> of the current block: packed (and the ragged last one), or B itself.</summary>
        private float* PanelAt(int q, int kc, out nint stride)
        {
            if (PackBFull || (q + 1) * NR > Nc)
            {
                stride = NR;
                return Bpack + ((nint)q * kc * NR);
            }
            stride = Brs;
            return B + (Pc * Brs) + ((Jc + (q * NR)) * Bcs);
        }

        public float* A, B, C, Bpack;
        public nint Ars, Acs, Brs, Bcs, Ldc;
        public int M, Nc, Kc, Pc, Jc, RowChunk, ColumnTasks, Panels, Tasks;
        public float Alpha, Beta;
        public bool PackA, PackBFull;
        public KernelPath KernelPath;
        public int Threads;

        /// <summary>Packs the share <paramref name="task"/> of <see cref="Threads"/> of the current B block's panels.</summary>
        public void PackBTask(int task)
        {
            int p0 = (int)((long)task * Panels / Threads), p1 = (int)((long)(task + 1) * Panels / Threads);
            GemmPacking.PackB(Bpack, B + (Pc * Brs) + (Jc * Bcs), Brs, Bcs, Nc, Kc, p0, p1);
        }

        /// <summary>Computes rows [i0, i1) × panels [q0, q1) of the current (jc, pc) block.</summary>
        public void RunTask(int task)
        {
            int rowTask = task / ColumnTasks, colTask = task % ColumnTasks;
            int i0 = rowTask * RowChunk, i1 = Math.Min(M, i0 + RowChunk);
            int q0 = (int)((long)colTask * Panels / ColumnTasks), q1 = (int)((long)(colTask + 1) * Panels / ColumnTasks);
            int kc = Kc;

            using var aBuffer = PackBuffer.Rent(true, PackA ? ((long)RoundUp(Math.Min(MC, i1 - i0), MR) * kc) + GemmPacking.Slack : 0);
            for (int ic = i0; ic < i1; ic += MC)
            {
                int mc = Math.Min(MC, i1 - ic);
                float* aBlock = A + (ic * Ars) + (Pc * Acs);
                float* aPanel;
                nint ars, acs, aPanelStride;
                if (PackA)
                {
                    GemmPacking.PackA(aBuffer.Pointer, aBlock, Ars, Acs, mc, kc);
                    aPanel = aBuffer.Pointer;
                    ars = 1;
                    acs = MR;
                    aPanelStride = (nint)MR * kc;
                }
                else
                {
                    aPanel = aBlock;
                    ars = Ars;
                    acs = Acs;
                    aPanelStride = MR * Ars;
                }

                // One or two NR-wide panels per tile (GemmMicroKernel.TileWidth).
                int step = GemmMicroKernel.TileWidth(KernelPath) / NR;
                for (int q = q0; q < q1; q += step)
                {
                    int jr = q * NR;
                    int nr = Math.Min(Math.Min(step, q1 - q) * NR, Nc - jr);
                    float* b0 = PanelAt(q, kc, out nint b0s);
                    float* b1 = b0;
                    nint b1s = b0s;
                    if (nr > NR)
                    {
                        b1 = PanelAt(q + 1, kc, out b1s);
                    }

                    float* cTile = C + (ic * Ldc) + Jc + jr;
                    float* aTile = aPanel;
                    for (int ir = 0; ir < mc; ir += MR)
                    {
                        int mr = Math.Min(MR, mc - ir);
                        GemmMicroKernel.Tile(KernelPath, kc, aTile, ars, acs, b0, b0s, b1, b1s, cTile, Ldc, mr, nr, Alpha, Beta);
                        aTile += aPanelStride;
                        cTile += MR * Ldc;
                    }
                }
            }
        }
    }
}
