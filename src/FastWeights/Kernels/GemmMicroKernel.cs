using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Kernels;

/// <summary>
/// Register-blocked micro-kernels computing one <see cref="MR"/>×<see cref="NR"/> tile of C:
/// acc[r, j] = Σ_p A(r, p) · B(p, j), accumulated in order p = 0, 1, …, kc−1 from acc = 0, then
/// C[r, j] = alpha · acc[r, j] (beta = 0) or C[r, j] = fma(acc[r, j], alpha, beta · C[r, j]).
/// A(r, p) = a[r·ars + p·acs] (any strides: packed panel or the caller's matrix);
/// B(p, j) = b[p·bps + j] (16 contiguous floats per p: a packed panel or a row-major B).
/// Every element follows the same operation sequence whatever its place in the tile, so partial tiles,
/// direct or packed operands and the thread partition never change a result bit.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>Rows of C per tile.</summary>
    public const int MR = 6;

    /// <summary>Columns of C per tile (two AVX vectors).</summary>
    public const int NR = 16;

    /// <summary>Columns of C per tile on <paramref name="path"/>: two NR-wide panels for AVX-512, one otherwise.</summary>
    public static int TileWidth(KernelPath path) => path == KernelPath.Avx512 ? 2 * NR : NR;

    /// <summary>
    /// One tile of at most MR×<see cref="TileWidth"/> on <paramref name="path"/>: columns [0, NR) from the panel
    /// <paramref name="b0"/> (row stride <paramref name="b0s"/>), columns [NR, nr) from <paramref name="b1"/>
    /// (stride <paramref name="b1s"/>). The AVX-512 and AVX2 paths give the same bits (one FMA per term, in order),
    /// so which one ran never changes a result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(
        KernelPath path, int kc, float* a, nint ars, nint acs, float* b0, nint b0s, float* b1, nint b1s,
        float* c, nint ldc, int mr, int nr, float alpha, float beta)
    {
        if (path == KernelPath.Avx512 && nr > NR)
        {
            Avx512Fma(kc, a, ars, acs, b0, b0s, b1, b1s, c, ldc, mr, nr, alpha, beta);
            return;
        }
        int first = Math.Min(nr, NR);
        if (path == KernelPath.Portable)
        {
            Portable(kc, a, ars, acs, b0, b0s, c, ldc, mr, first, alpha, beta);
            if (nr > NR)
            {
                Portable(kc, a, ars, acs, b1, b1s, c + NR, ldc, mr, nr - NR, alpha, beta);
            }
            return;
        }
        Avx2Fma(kc, a, ars, acs, b0, b0s, c, ldc, mr, first, alpha, beta);
        if (nr > NR)
        {
            Avx2Fma(kc, a, ars, acs, b1, b1s, c + NR, ldc, mr, nr - NR, alpha, beta);
        }
    }

    /// <summary>
    /// The AVX-512 6×32 kernel: 12 zmm accumulators, one load from each of the two B panels and one A broadcast per
    /// row and step (the AVX2 kernel's per-element arithmetic, so its results bit for bit). Rows r ≥
    /// <paramref name="mr"/> read row 0 again (never stored); both panels need 16 readable columns.
    /// </summary>
    [SkipLocalsInit]
    public static void Avx512Fma(
        int kc, float* a, nint ars, nint acs, float* b0, nint b0s, float* b1, nint b1s,
        float* c, nint ldc, int mr, int nr, float alpha, float beta)
    {
        nint o1 = mr > 1 ? ars : 0;
        nint o2 = mr > 2 ? 2 * ars : 0;
        nint o3 = mr > 3 ? 3 * ars : 0;
        nint o4 = mr > 4 ? 4 * ars : 0;
        nint o5 = mr > 5 ? 5 * ars : 0;

        float* cRow = c;
        for (int r = 0; r < mr; r++)
        {
            Sse.Prefetch0(cRow);
            Sse.Prefetch0(cRow + 16);
            Sse.Prefetch0(cRow + (2 * NR) - 1);
            cRow += ldc;
        }

        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero;

        // Unrolled by 2 (the second step's loads come from the unrolled offsets); the per-element FMA order is unchanged.
        int p = 0;
        for (; p + 1 < kc; p += 2)
        {
            Vector512<float> v0 = Avx512F.LoadVector512(b0);
            Vector512<float> v1 = Avx512F.LoadVector512(b1);
            Vector512<float> av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, v0, c00);
            c01 = Avx512F.FusedMultiplyAdd(av, v1, c01);
            av = Vector512.Create(a[o1]);
            c10 = Avx512F.FusedMultiplyAdd(av, v0, c10);
            c11 = Avx512F.FusedMultiplyAdd(av, v1, c11);
            av = Vector512.Create(a[o2]);
            c20 = Avx512F.FusedMultiplyAdd(av, v0, c20);
            c21 = Avx512F.FusedMultiplyAdd(av, v1, c21);
            av = Vector512.Create(a[o3]);
            c30 = Avx512F.FusedMultiplyAdd(av, v0, c30);
            c31 = Avx512F.FusedMultiplyAdd(av, v1, c31);
            av = Vector512.Create(a[o4]);
            c40 = Avx512F.FusedMultiplyAdd(av, v0, c40);
            c41 = Avx512F.FusedMultiplyAdd(av, v1, c41);
            av = Vector512.Create(a[o5]);
            c50 = Avx512F.FusedMultiplyAdd(av, v0, c50);
            c51 = Avx512F.FusedMultiplyAdd(av, v1, c51);

            v0 = Avx512F.LoadVector512(b0 + b0s);
            v1 = Avx512F.LoadVector512(b1 + b1s);
            float* a1 = a + acs;
            av = Vector512.Create(a1[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, v0, c00);
            c01 = Avx512F.FusedMultiplyAdd(av, v1, c01);
            av = Vector512.Create(a1[o1]);
            c10 = Avx512F.FusedMultiplyAdd(av, v0, c10);
            c11 = Avx512F.FusedMultiplyAdd(av, v1, c11);
            av = Vector512.Create(a1[o2]);
            c20 = Avx512F.FusedMultiplyAdd(av, v0, c20);
            c21 = Avx512F.FusedMultiplyAdd(av, v1, c21);
            av = Vector512.Create(a1[o3]);
            c30 = Avx512F.FusedMultiplyAdd(av, v0, c30);
            c31 = Avx512F.FusedMultiplyAdd(av, v1, c31);
            av = Vector512.Create(a1[o4]);
            c40 = Avx512F.FusedMultiplyAdd(av, v0, c40);
            c41 = Avx512F.FusedMultiplyAdd(av, v1, c41);
            av = Vector512.Create(a1[o5]);
            c50 = Avx512F.FusedMultiplyAdd(av, v0, c50);
            c51 = Avx512F.FusedMultiplyAdd(av, v1, c51);
            a += 2 * acs;
            b0 += 2 * b0s;
            b1 += 2 * b1s;
        }
        if (p < kc)
        {
            Vector512<float> v0 = Avx512F.LoadVector512(b0);
            Vector512<float> v1 = Avx512F.LoadVector512(b1);
            Vector512<float> av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, v0, c00);
            c01 = Avx512F.FusedMultiplyAdd(av, v1, c01);
            av = Vector512.Create(a[o1]);
            c10 = Avx512F.FusedMultiplyAdd(av, v0, c10);
            c11 = Avx512F.FusedMultiplyAdd(av, v1, c11);
            av = Vector512.Create(a[o2]);
            c20 = Avx512F.FusedMultiplyAdd(av, v0, c20);
            c21 = Avx512F.FusedMultiplyAdd(av, v1, c21);
            av = Vector512.Create(a[o3]);
            c30 = Avx512F.FusedMultiplyAdd(av, v0, c30);
            c31 = Avx512F.FusedMultiplyAdd(av, v1, c31);
            av = Vector512.Create(a[o4]);
            c40 = Avx512F.FusedMultiplyAdd(av, v0, c40);
            c41 = Avx512F.FusedMultiplyAdd(av, v1, c41);
            av = Vector512.Create(a[o5]);
            c50 = Avx512F.FusedMultiplyAdd(av, v0, c50);
            c51 = Avx512F.FusedMultiplyAdd(av, v1, c51);
        }

        if (nr == 2 * NR)
        {
            StoreRow512(c, c00, c01, alpha, beta);
            if (mr > 1)
            {
                StoreRow512(c + ldc, c10, c11, alpha, beta);
            }
            if (mr > 2)
            {
                StoreRow512(c + (2 * ldc), c20, c21, alpha, beta);
            }
            if (mr > 3)
            {
                StoreRow512(c + (3 * ldc), c30, c31, alpha, beta);
            }
            if (mr > 4)
            {
                StoreRow512(c + (4 * ldc), c40, c41, alpha, beta);
            }
            if (mr > 5)
            {
                StoreRow512(c + (5 * ldc), c50, c51, alpha, beta);
            }
            return;
        }

        const int Width = 2 * NR;
        float* tile = stackalloc float[MR * Width];
        Avx512F.Store(tile, c00);
        Avx512F.Store(tile + 16, c01);
        Avx512F.Store(tile + 32, c10);
        Avx512F.Store(tile + 48, c11);
        Avx512F.Store(tile + 64, c20);
        Avx512F.Store(tile + 80, c21);
        Avx512F.Store(tile + 96, c30);
        Avx512F.Store(tile + 112, c31);
        Avx512F.Store(tile + 128, c40);
        Avx512F.Store(tile + 144, c41);
        Avx512F.Store(tile + 160, c50);
        Avx512F.Store(tile + 176, c51);
        StorePartialFused(tile, Width, c, ldc, mr, nr, alpha, beta);
    }

    /// <summary>32 floats of a C row ← alpha·acc (beta = 0) or fma(acc, alpha, beta·C), as <see cref="StoreRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow512(float* c, Vector512<float> acc0, Vector512<float> acc1, float alpha, float beta)
    {
        Vector512<float> alphaV = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Avx512F.Store(c, Avx512F.Multiply(acc0, alphaV));
            Avx512F.Store(c + 16, Avx512F.Multiply(acc1, alphaV));
        }
        else
        {
            Vector512<float> betaV = Vector512.Create(beta);
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(acc0, alphaV, Avx512F.Multiply(betaV, Avx512F.LoadVector512(c))));
            Avx512F.Store(c + 16, Avx512F.FusedMultiplyAdd(acc1, alphaV, Avx512F.Multiply(betaV, Avx512F.LoadVector512(c + 16))));
        }
    }

    /// <summary>
    /// The AVX2/FMA 6×16 kernel: 12 ymm accumulators, two B loads and one A broadcast per row and step.
    /// Rows r ≥ <paramref name="mr"/> read row 0 again (never stored), so A needs only <paramref name="mr"/> valid rows;
    /// B must hold 16 readable columns (packed panels are zero-padded).
    /// </summary>
    [SkipLocalsInit]
    public static void Avx2Fma(
        int kc, float* a, nint ars, nint acs, float* b, nint bps,
        float* c, nint ldc, int mr, int nr, float alpha, float beta)
    {
        // Row offsets into A; missing rows alias row 0 so no read leaves the matrix.
        nint o1 = mr > 1 ? ars : 0;
        nint o2 = mr > 2 ? 2 * ars : 0;
        nint o3 = mr > 3 ? 3 * ars : 0;
        nint o4 = mr > 4 ? 4 * ars : 0;
        nint o5 = mr > 5 ? 5 * ars : 0;

        // Bring the C tile towards L1 while the k loop runs (its rows are ldc apart, often cold in cache).
        float* cRow = c;
        for (int r = 0; r < mr; r++)
        {
            Sse.Prefetch0(cRow);
            Sse.Prefetch0(cRow + (NR - 1));
            cRow += ldc;
        }

        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero;
        Vector256<float> c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero;
        Vector256<float> c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;

        int p = 0;
        // Unrolled by 2 to halve the loop overhead; the per-element order of FMAs is unchanged.
        for (; p + 1 < kc; p += 2)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = Avx.LoadVector256(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[o1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[o2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[o3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[o4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[o5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            a += acs;
            b += bps;

            b0 = Avx.LoadVector256(b);
            b1 = Avx.LoadVector256(b + 8);
            av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[o1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[o2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[o3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[o4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[o5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            a += acs;
            b += bps;
        }
        if (p < kc)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = Avx.LoadVector256(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[o1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[o2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[o3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[o4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[o5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
        }

        if (mr == MR && nr == NR)
        {
            StoreRow(c, c00, c01, alpha, beta);
            StoreRow(c + ldc, c10, c11, alpha, beta);
            StoreRow(c + (2 * ldc), c20, c21, alpha, beta);
            StoreRow(c + (3 * ldc), c30, c31, alpha, beta);
            StoreRow(c + (4 * ldc), c40, c41, alpha, beta);
            StoreRow(c + (5 * ldc), c50, c51, alpha, beta);
            return;
        }

        if (nr == NR)
        {
            // Full-width partial tile (the last rows of C): the same vector stores, row by row.
            StoreRow(c, c00, c01, alpha, beta);
            if (mr > 1)
            {
                StoreRow(c + ldc, c10, c11, alpha, beta);
            }
            if (mr > 2)
            {
                StoreRow(c + (2 * ldc), c20, c21, alpha, beta);
            }
            if (mr > 3)
            {
                StoreRow(c + (3 * ldc), c30, c31, alpha, beta);
            }
            if (mr > 4)
            {
                StoreRow(c + (4 * ldc), c40, c41, alpha, beta);
            }
            return;
        }

        float* tile = stackalloc float[MR * NR];
        Avx.Store(tile, c00);
        Avx.Store(tile + 8, c01);
        Avx.Store(tile + 16, c10);
        Avx.Store(tile + 24, c11);
        Avx.Store(tile + 32, c20);
        Avx.Store(tile + 40, c21);
        Avx.Store(tile + 48, c30);
        Avx.Store(tile + 56, c31);
        Avx.Store(tile + 64, c40);
        Avx.Store(tile + 72, c41);
        Avx.Store(tile + 80, c50);
        Avx.Store(tile + 88, c51);
        StorePartialFused(tile, NR, c, ldc, mr, nr, alpha, beta);
    }

    /// <summary>C row ← alpha·acc (beta = 0) or fma(acc, alpha, beta·C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> acc0, Vector256<float> acc1, float alpha, float beta)
    {
        Vector256<float> alphaV = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Avx.Store(c, Avx.Multiply(acc0, alphaV));
            Avx.Store(c + 8, Avx.Multiply(acc1, alphaV));
        }
        else
        {
            Vector256<float> betaV = Vector256.Create(beta);
            Avx.Store(c, Fma.MultiplyAdd(acc0, alphaV, Avx.Multiply(betaV, Avx.LoadVector256(c))));
            Avx.Store(c + 8, Fma.MultiplyAdd(acc1, alphaV, Avx.Multiply(betaV, Avx.LoadVector256(c + 8))));
        }
    }

    /// <summary>Scalar form of <see cref="StoreRow"/> for partial tiles: the same roundings element by element.</summary>
    private static void StorePartialFused(float* tile, int tileStride, float* c, nint ldc, int mr, int nr, float alpha, float beta)
    {
        for (int r = 0; r < mr; r++)
        {
            float* row = c + (r * ldc);
            float* acc = tile + (r * tileStride);
            for (int j = 0; j < nr; j++)
            {
                row[j] = beta == 0f ? acc[j] * alpha : MathF.FusedMultiplyAdd(acc[j], alpha, beta * row[j]);
            }
        }
    }

    /// <summary>
    /// Portable kernel for machines without AVX2/FMA (and for tests): the same tile contract with
    /// unfused multiply then add, Vector128 lanes, update C = alpha·acc + beta·C.
    /// </summary>
    [SkipLocalsInit]
    public static void Portable(
        int kc, float* a, nint ars, nint acs, float* b, nint bps,
        float* c, nint ldc, int mr, int nr, float alpha, float beta)
    {
        const int Lanes = 4;
        const int VectorsPerRow = NR / Lanes;
        Vector128<float>* acc = stackalloc Vector128<float>[MR * VectorsPerRow];
        for (int i = 0; i < MR * VectorsPerRow; i++)
        {
            acc[i] = Vector128<float>.Zero;
        }
        nint* offsets = stackalloc nint[MR];
        for (int r = 0; r < MR; r++)
        {
            offsets[r] = r < mr ? r * ars : 0;
        }
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> b2 = Vector128.Load(b + 8);
            Vector128<float> b3 = Vector128.Load(b + 12);
            for (int r = 0; r < MR; r++)
            {
                Vector128<float> av = Vector128.Create(a[offsets[r]]);
                Vector128<float>* row = acc + (r * VectorsPerRow);
                row[0] += av * b0;
                row[1] += av * b1;
                row[2] += av * b2;
                row[3] += av * b3;
            }
            a += acs;
            b += bps;
        }
        float* tile = (float*)acc;
        for (int r = 0; r < mr; r++)
        {
            float* row = c + (r * ldc);
            for (int j = 0; j < nr; j++)
            {
                float t = tile[(r * NR) + j];
                row[j] = beta == 0f ? t * alpha : (t * alpha) + (beta * row[j]);
            }
        }
    }
}
