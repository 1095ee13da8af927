using System.Runtime.Intrinsics.X86;
using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Tests.Kernels;

public class GemmTests
{
    /// <summary>Which code path a case runs through.</summary>
    public enum Mode
    {
        Auto,
        Packed,
        Direct,
        Portable,

        /// <summary>The AVX2 fallback, forced on machines whose best path is AVX-512.</summary>
        Avx2,
    }

    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (0, 5, 3), (5, 0, 3), (4, 5, 0), (7, 13, 5), (6, 16, 8), (5, 17, 2), (1000, 3, 17), (3, 1000, 17),
        (2, 2, 3000), (13, 33, 300), (128, 50, 50), (65, 70, 257), (150, 37, 600), (7, 4200, 9), (1, 300, 40), (300, 1, 40),
        (1, 45, 77), (45, 1, 77), (1, 1, 3000), (1, 70, 1), (5, 2000, 120),
    ];

    private static readonly (float Alpha, float Beta)[] Scalars = [(1f, 0f), (-0.5f, 1f), (1.5f, 0.3f)];

    public static TheoryData<Mode> Modes => [Mode.Auto, Mode.Packed, Mode.Direct, Mode.Portable, Mode.Avx2];

    [Theory]
    [MemberData(nameof(Modes))]
    public void MultiplyMatchesDoubleReference(Mode mode)
    {
        var rng = new Rng(1234);
        foreach ((int m, int n, int k) in Shapes)
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    foreach ((float alpha, float beta) in Scalars)
                    {
                        CheckCase(rng, mode, m, n, k, transA, transB, alpha, beta);
                    }
                }
            }
        }
    }

    [Fact]
    public void BestPathFollowsTheProcessor()
    {
        // AVX-512 where the processor has it, the AVX2 fallback otherwise; a path the machine lacks cannot be forced.
        KernelPath expected = Avx512F.IsSupported && Fma.IsSupported && Avx2.IsSupported ? KernelPath.Avx512
            : Fma.IsSupported && Avx2.IsSupported ? KernelPath.Avx2 : KernelPath.Portable;
        Assert.Equal(expected, KernelPaths.Machine);
        Assert.Equal(KernelPaths.Choose(Environment.GetEnvironmentVariable(KernelPaths.EnvironmentVariable), expected), KernelPaths.Current);

        // FASTWEIGHTS_KERNELS lowers the path, never raises it.
        Assert.Equal(KernelPath.Avx2, KernelPaths.Choose("AVX2", KernelPath.Avx512));
        Assert.Equal(KernelPath.Avx2, KernelPaths.Choose("avx2", KernelPath.Avx2));
        Assert.Equal(KernelPath.Portable, KernelPaths.Choose("avx2", KernelPath.Portable));
        Assert.Equal(KernelPath.Avx512, KernelPaths.Choose(null, KernelPath.Avx512));
        Assert.Equal(KernelPath.Avx512, KernelPaths.Choose("avx1024", KernelPath.Avx512));
        if (KernelPaths.Best != KernelPath.Avx512)
        {
            try
            {
                KernelPaths.Force = KernelPath.Avx512;
                Assert.Throws<InvalidOperationException>(() => KernelPaths.Current);
            }
            finally
            {
                KernelPaths.Force = null;
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BestPathEqualsTheAvx2FallbackBitForBit(bool pack)
    {
        // Partial tiles in both directions (m % 6, n % 32 and n % 16 non-zero), full tiles, a second k-block, beta ≠ 0.
        var rng = new Rng(31);
        foreach ((int m, int n, int k) in new[] { (7, 13, 5), (6, 32, 8), (13, 48, 33), (65, 70, 257), (150, 37, 600), (5, 2000, 120), (64, 64, 64) })
        {
            foreach (bool transB in new[] { false, true })
            {
                float[] a = Random(rng, m * k), b = Random(rng, k * n), c = Random(rng, m * n);
                float[] best = (float[])c.Clone(), fallback = (float[])c.Clone();
                try
                {
                    GemmDriver.ForcePacking = pack;
                    Gemm.Multiply(false, transB, m, n, k, 0.75f, a, k, b, transB ? k : n, 0.5f, best, n);
                    KernelPaths.Force = KernelPath.Avx2;
                    Gemm.Multiply(false, transB, m, n, k, 0.75f, a, k, b, transB ? k : n, 0.5f, fallback, n);
                }
                finally
                {
                    KernelPaths.Force = null;
                    GemmDriver.ForcePacking = null;
                }
                Assert.True(best.AsSpan().SequenceEqual(fallback), $"{m}×{n}×{k} transB={transB}: {KernelPaths.Best} differs from AVX2");
            }
        }
    }

    [Theory]
    [InlineData(100)]
    [InlineData(45)]
    [InlineData(7)]
    public void RowVectorProductEqualsItsOneColumnProductsBitForBit(int k)
    {
        // y = x·Wᵀ for 13 rows of W takes the rows four at a time; each must equal the 1×1 product of its row alone.
        var rng = new Rng(12);
        const int N = 13;
        float[] x = Random(rng, k), w = Random(rng, N * k), y = new float[N], one = new float[1];
        Gemm.Multiply(false, true, 1, N, k, 1f, x, k, w, k, 0f, y, N);
        for (int j = 0; j < N; j++)
        {
            Gemm.Multiply(false, true, 1, 1, k, 1f, x, k, w.AsSpan(j * k, k), k, 0f, one, 1);
            Assert.True(one[0].Equals(y[j]), $"row {j} of k = {k}: {y[j]} vs {one[0]}");
        }
    }

    [Fact]
    public void AlphaZeroScalesC()
    {
        var rng = new Rng(5);
        CheckCase(rng, Mode.Auto, 9, 11, 7, false, true, 0f, 0.5f);
        CheckCase(rng, Mode.Auto, 9, 11, 7, true, false, 0f, 0f);
    }

    [Fact]
    public void BatchedMatchesPerItemReference()
    {
        var rng = new Rng(77);
        const int Batch = 3, M = 11, N = 19, K = 23;
        foreach (bool shareA in new[] { false, true })
        {
            foreach (bool shareB in new[] { false, true })
            {
                foreach (bool transA in new[] { false, true })
                {
                    int lda = (transA ? M : K) + 2, ldb = N + 1, ldc = N + 3;
                    int sizeA = ((transA ? K : M) * lda) + 5, sizeB = (K * ldb) + 1, sizeC = M * ldc;
                    int strideA = shareA ? 0 : sizeA, strideB = shareB ? 0 : sizeB;
                    float[] a = Random(rng, shareA ? sizeA : Batch * sizeA);
                    float[] b = Random(rng, shareB ? sizeB : Batch * sizeB);
                    float[] c = Random(rng, Batch * sizeC);
                    float[] c0 = (float[])c.Clone();
                    Gemm.MultiplyBatched(Batch, transA, false, M, N, K, 0.7f, a, lda, strideA, b, ldb, strideB, 0.2f, c, ldc, sizeC);
                    for (int i = 0; i < Batch; i++)
                    {
                        AssertClose(a.AsSpan(i * strideA), lda, transA, b.AsSpan(i * strideB), ldb, false,
                            c0.AsSpan(i * sizeC, sizeC), c.AsSpan(i * sizeC, sizeC), ldc, M, N, K, 0.7f, 0.2f);
                    }
                }
            }
        }
    }

    [Fact]
    public void BatchedInParallelEqualsSequentialBitForBit()
    {
        // 64 products of 32×32×32: enough work in total to spread the batch over threads.
        var rng = new Rng(9);
        const int Batch = 64, S = 32, Size = S * S;
        float[] a = Random(rng, Batch * Size), b = Random(rng, Size), c = new float[Batch * Size];
        int saved = KernelThreads.MaxThreads;
        try
        {
            KernelThreads.MaxThreads = 2;
            Gemm.MultiplyBatched(Batch, false, true, S, S, S, 1f, a, S, Size, b, S, 0, 0f, c, S, Size);
        }
        finally
        {
            KernelThreads.MaxThreads = saved;
        }
        float[] expected = new float[Size];
        for (int i = 0; i < Batch; i++)
        {
            Gemm.Multiply(false, true, S, S, S, 1f, a.AsSpan(i * Size, Size), S, b, S, 0f, expected, S);
            Assert.True(expected.AsSpan().SequenceEqual(c.AsSpan(i * Size, Size)), $"batch item {i} differs");
        }
    }

    [Theory]
    [InlineData(300, 257, 300, false, false)]
    [InlineData(300, 257, 300, true, true)]
    [InlineData(5, 2000, 300, false, true)] // few rows: the threads split columns
    public void ResultIsBitIdenticalAcrossThreadCounts(int m, int n, int k, bool transA, bool transB)
    {
        var rng = new Rng(42);
        float[] a = Random(rng, m * k), b = Random(rng, k * n);
        float[][] results = new float[3][];
        int saved = KernelThreads.MaxThreads;
        try
        {
            int[] threadCounts = [1, 2, 3];
            for (int t = 0; t < threadCounts.Length; t++)
            {
                KernelThreads.MaxThreads = threadCounts[t];
                results[t] = new float[m * n];
                Gemm.Multiply(transA, transB, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, 0f, results[t], n);
            }
        }
        finally
        {
            KernelThreads.MaxThreads = saved;
        }
        Assert.True(results[0].AsSpan().SequenceEqual(results[1]), "1 thread vs 2 threads");
        Assert.True(results[0].AsSpan().SequenceEqual(results[2]), "1 thread vs 3 threads");
    }

    [Fact]
    public void PackedAndDirectPathsAgreeBitForBit()
    {
        var rng = new Rng(3);
        const int M = 37, N = 45, K = 530;
        float[] a = Random(rng, M * K), b = Random(rng, K * N);
        float[] packed = new float[M * N], direct = new float[M * N];
        try
        {
            GemmDriver.ForcePacking = true;
            Gemm.Multiply(false, false, M, N, K, 1f, a, K, b, N, 0f, packed, N);
            GemmDriver.ForcePacking = false;
            Gemm.Multiply(false, false, M, N, K, 1f, a, K, b, N, 0f, direct, N);
        }
        finally
        {
            GemmDriver.ForcePacking = null;
        }
        Assert.True(packed.AsSpan().SequenceEqual(direct));
    }

    [Fact]
    public void RejectsShortOperandsAndNarrowLeadingDimensions()
    {
        float[] a = new float[6], b = new float[6], c = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 4, 1f, a, 4, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 3, 3, 1f, a, 3, b, 2, 0f, c, 3));
    }

    private static void CheckCase(Rng rng, Mode mode, int m, int n, int k, bool transA, bool transB, float alpha, float beta)
    {
        // Leading dimensions wider than the stored rows, so padding must be skipped.
        int lda = (transA ? m : k) + rng.NextInt(3);
        int ldb = (transB ? k : n) + rng.NextInt(3);
        int ldc = n + rng.NextInt(3);
        float[] a = Random(rng, Math.Max(1, (transA ? k : m) * lda));
        float[] b = Random(rng, Math.Max(1, (transB ? n : k) * ldb));
        float[] c = Random(rng, Math.Max(1, m * ldc));
        if (beta == 0f)
        {
            c.AsSpan().Fill(float.NaN);
        }
        float[] c0 = (float[])c.Clone();
        try
        {
            KernelPaths.Force = mode switch { Mode.Portable => KernelPath.Portable, Mode.Avx2 => KernelPath.Avx2, _ => null };
            GemmDriver.ForcePacking = mode switch { Mode.Packed => true, Mode.Direct => false, _ => null };
            Gemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
        finally
        {
            KernelPaths.Force = null;
            GemmDriver.ForcePacking = null;
        }
        AssertClose(a, lda, transA, b, ldb, transB, c0, c, ldc, m, n, k, alpha, beta);
    }

    /// <summary>Compares with a float64 reference; error relative to Σ|alpha·a·b| + |beta·c|, and padding untouched.</summary>
    private static void AssertClose(
        ReadOnlySpan<float> a, int lda, bool transA, ReadOnlySpan<float> b, int ldb, bool transB,
        ReadOnlySpan<float> c0, ReadOnlySpan<float> c, int ldc, int m, int n, int k, float alpha, float beta)
    {
        double tolerance = 10 * Math.Sqrt(k + 4) * Math.Pow(2, -23);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc && (i * ldc) + j < c.Length; j++)
            {
                int ci = (i * ldc) + j;
                if (j >= n)
                {
                    Assert.True(c0[ci].Equals(c[ci]), $"padding C[{i},{j}] was written");
                    continue;
                }
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    double bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += av * bv;
                    scale += Math.Abs(av * bv);
                }
                double expected = alpha * sum;
                scale *= Math.Abs(alpha);
                if (beta != 0f)
                {
                    expected += beta * (double)c0[ci];
                    scale += Math.Abs(beta * (double)c0[ci]);
                }
                double error = Math.Abs(c[ci] - expected);
                Assert.True(error <= (tolerance * scale) + 1e-30,
                    $"C[{i},{j}] of {m}×{n}×{k} (transA={transA}, transB={transB}, alpha={alpha}, beta={beta}): got {c[ci]}, expected {expected}");
            }
        }
    }

    private static float[] Random(Rng rng, int length)
    {
        float[] values = new float[length];
        rng.FillUniform(values, -1f, 1f);
        return values;
    }
}
