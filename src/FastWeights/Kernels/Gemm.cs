namespace FastWeights.Kernels;

/// <summary>
/// Single-precision general matrix multiply on row-major storage:
/// C = alpha · op(A) · op(B) + beta · C, where op(X) is X or Xᵀ.
/// Blocked and packed (see <see cref="GemmDriver"/>) around an AVX2/FMA 6×16 register tile, with a portable fallback.
/// Results do not depend on the number of threads: every element of C is computed by the same sequence of
/// operations (fixed k-blocks, fixed FMA order) whatever the partition of C over threads.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C. Row-major with leading dimensions
    /// <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/> (the row stride of each stored matrix).
    /// With <paramref name="transA"/>, A is stored k×m; with <paramref name="transB"/>, B is stored n×k.
    /// When <paramref name="beta"/> is 0, C is overwritten and its old contents (even NaN) are ignored.
    /// </summary>
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc) =>
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, KernelThreads.MaxThreads);

    /// <summary>
    /// As the public overload, using at most <paramref name="threads"/> threads (1 inside code that is already
    /// parallel over its own work items). The result does not depend on it.
    /// </summary>
    internal static void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0)
        {
            return;
        }
        CheckOperand(c.Length, m, n, ldc, nameof(c));
        bool useProduct = k > 0 && alpha != 0f;
        if (useProduct)
        {
            CheckOperand(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
            CheckOperand(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            if (!useProduct)
            {
                ScaleC(pc, ldc, m, n, beta);
                return;
            }
            // op(A)[i, p] = a[i·ars + p·acs]; op(B)[p, j] = b[p·brs + j·bcs].
            nint ars = transA ? 1 : lda, acs = transA ? lda : 1;
            nint brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
            GemmDriver.Run(pa, ars, acs, pb, brs, bcs, pc, ldc, m, n, k, alpha, beta, threads);
        }
    }

    /// <summary>
    /// A batch of independent products: for each b in [0, <paramref name="batch"/>), the matrices start at
    /// b·strideA, b·strideB, b·strideC. A stride of 0 reuses one matrix for the whole batch.
    /// </summary>
    public static void MultiplyBatched(
        int batch, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        float beta, Span<float> c, int ldc, int strideC)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(strideA);
        ArgumentOutOfRangeException.ThrowIfNegative(strideB);
        ArgumentOutOfRangeException.ThrowIfNegative(strideC);
        if (batch == 0 || m == 0 || n == 0)
        {
            return;
        }

        long work = (long)m * n * k;
        long cExtent = ((long)(m - 1) * ldc) + n;
        // Many small independent products: one product per task (each product is computed exactly as it would be
        // alone, so the result does not depend on the threads). Only when the C matrices do not overlap.
        bool parallelOverBatch = KernelThreads.MaxThreads > 1 && batch > 1 && work < GemmDriver.ParallelWork
            && work * batch >= GemmDriver.ParallelWork && strideC >= cExtent;
        if (!parallelOverBatch)
        {
            for (int i = 0; i < batch; i++)
            {
                Multiply(transA, transB, m, n, k, alpha, a[(i * strideA)..], lda, b[(i * strideB)..], ldb, beta, c[(i * strideC)..], ldc);
            }
            return;
        }

        // Spans cannot enter the lambda; validate the whole extent once, then pass pointers.
        long aRows = transA ? k : m, bRows = transB ? n : k;
        long aExtent = k == 0 ? 0 : ((aRows - 1) * lda) + (transA ? m : k);
        long bExtent = k == 0 ? 0 : ((bRows - 1) * ldb) + (transB ? k : n);
        if (((long)(batch - 1) * strideA) + aExtent > a.Length || ((long)(batch - 1) * strideB) + bExtent > b.Length
            || ((long)(batch - 1) * strideC) + cExtent > c.Length)
        {
            throw new ArgumentException("A batch operand is shorter than its strides and shapes require.");
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var batchJob = new BatchJob
            {
                A = pa,
                B = pb,
                C = pc,
                TransA = transA,
                TransB = transB,
                M = m,
                N = n,
                K = k,
                Alpha = alpha,
                Beta = beta,
                Lda = lda,
                Ldb = ldb,
                Ldc = ldc,
                StrideA = strideA,
                StrideB = strideB,
                StrideC = strideC,
                LengthA = aExtent,
                LengthB = bExtent,
                LengthC = cExtent,
            };
            Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.MaxThreads }, batchJob.Run);
        }
    }

    /// <summary>One product of a parallel batch, on pointers validated by the caller.</summary>
    private sealed class BatchJob
    {
        public float* A, B, C;
        public bool TransA, TransB;
        public int M, N, K, Lda, Ldb, Ldc, StrideA, StrideB, StrideC;
        public long LengthA, LengthB, LengthC;
        public float Alpha, Beta;

        public void Run(int i)
        {
            var a = new ReadOnlySpan<float>(A + ((nint)i * StrideA), (int)LengthA);
            var b = new ReadOnlySpan<float>(B + ((nint)i * StrideB), (int)LengthB);
            var c = new Span<float>(C + ((nint)i * StrideC), (int)LengthC);
            Multiply(TransA, TransB, M, N, K, Alpha, a, Lda, b, Ldb, Beta, c, Ldc);
        }
    }

    /// <summary>C ← beta·C (beta = 0 writes zeros, ignoring NaN).</summary>
    private static void ScaleC(float* c, nint ldc, int m, int n, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (i * ldc), n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else if (beta != 1f)
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    /// <summary>Checks a stored rows×cols matrix with row stride <paramref name="ld"/> fits in <paramref name="length"/>.</summary>
    private static void CheckOperand(int length, int rows, int cols, int ld, string name)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }
        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(name, $"Leading dimension {ld} is smaller than the row width {cols}.");
        }
        if ((((long)(rows - 1) * ld) + cols) > length)
        {
            throw new ArgumentException($"Matrix {name} ({rows}×{cols}, leading dimension {ld}) needs more than {length} floats.", name);
        }
    }
}
