using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastWeights.Kernels;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// The chunk-sized products of <see cref="ChunkwiseKernel"/> (C, d ≈ 64): the micro-kernels of
/// <see cref="GemmMicroKernel"/> (AVX-512 or AVX2, the same bits) driven tile by tile on the unpacked operands, skipping the parts of the shared
/// dimension where a triangular operand is zero and the tiles above the diagonal of a lower-triangular result.
/// Skipped terms are exact zeros (fma(0, b, acc) = acc), so a result equals the full product's.
/// Falls back to <see cref="Gemm.Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/> on the portable path or when n is not a multiple of 16.
/// </summary>
internal static unsafe class ChunkProducts
{
    private const int MR = GemmMicroKernel.MR;
    private const int NR = GemmMicroKernel.NR;

    /// <summary>
    /// C[m×n] = alpha · op(A) · B + beta · C (row-major; op(A) = A stored m×k, or Aᵀ with A stored k×m when
    /// <paramref name="transA"/>; B stored k×n). <paramref name="aShape"/>: op(A)[i, p] = 0 for p &gt; i (lower) or p &lt; i
    /// (upper); <paramref name="bShape"/>: B[p, j] = 0 for p &lt; j (lower) or p &gt; j (upper); those zeros must be
    /// stored. With <paramref name="lowerOnly"/> (beta = 0) only C[i, j], j ≤ i is computed and C's strict upper triangle
    /// is set to 0.
    /// </summary>
    public static void Multiply(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        Triangle aShape = Triangle.None, Triangle bShape = Triangle.None, bool lowerOnly = false)
    {
        if (m == 0 || n == 0)
        {
            return;
        }
        if (lowerOnly && beta != 0f)
        {
            throw new ArgumentException("lowerOnly needs beta = 0.", nameof(beta));
        }
        KernelPath path = KernelPaths.Current;
        if (path == KernelPath.Portable || n % NR != 0 || k == 0)
        {
            Gemm.Multiply(transA, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
        else
        {
            Check(a.Length, transA ? k : m, transA ? m : k, lda);
            Check(b.Length, k, n, ldb);
            Check(c.Length, m, n, ldc);
            nint ars = transA ? 1 : lda, acs = transA ? lda : 1;
            int width = GemmMicroKernel.TileWidth(path);
            fixed (float* pa = a, pb = b, pc = c)
            {
                for (int i0 = 0; i0 < m; i0 += MR)
                {
                    int mr = Math.Min(MR, m - i0);
                    int iEnd = i0 + mr;
                    int nEnd = lowerOnly ? Math.Min(n, iEnd) : n;
                    for (int j0 = 0; j0 < nEnd; j0 += width)
                    {
                        int nr = Math.Min(width, n - j0);
                        int kLo = 0, kHi = k;
                        if (aShape == Triangle.Lower)
                        {
                            kHi = Math.Min(kHi, iEnd);
                        }
                        else if (aShape == Triangle.Upper)
                        {
                            kLo = i0;
                        }
                        if (bShape == Triangle.Lower)
                        {
                            kLo = Math.Max(kLo, j0);
                        }
                        else if (bShape == Triangle.Upper)
                        {
                            kHi = Math.Min(kHi, j0 + nr);
                        }
                        int kc = Math.Max(0, kHi - kLo);
                        float* bTile = pb + ((nint)kLo * ldb) + j0;
                        GemmMicroKernel.Tile(path, kc, pa + (i0 * ars) + (kLo * acs), ars, acs, bTile, ldb, bTile + NR, ldb,
                            pc + ((nint)i0 * ldc) + j0, ldc, mr, nr, alpha, beta);
                    }
                }
            }
        }
        if (lowerOnly)
        {
            for (int i = 0; i < Math.Min(m, n - 1); i++)
            {
                c.Slice((i * ldc) + i + 1, n - i - 1).Clear();
            }
        }
    }

    /// <summary>dst[j, i] = src[i, j] for a rows×cols matrix (row strides <paramref name="lds"/>, <paramref name="ldd"/>).</summary>
    public static void Transpose(ReadOnlySpan<float> src, int rows, int cols, int lds, Span<float> dst, int ldd)
    {
        Check(src.Length, rows, cols, lds);
        Check(dst.Length, cols, rows, ldd);
        fixed (float* ps = src, pd = dst)
        {
            int i0 = 0;
            if (Avx.IsSupported)
            {
                for (; i0 + 8 <= rows; i0 += 8)
                {
                    int j0 = 0;
                    for (; j0 + 8 <= cols; j0 += 8)
                    {
                        Transpose8x8(ps + ((nint)i0 * lds) + j0, lds, pd + ((nint)j0 * ldd) + i0, ldd);
                    }
                    TransposeScalar(ps, lds, pd, ldd, i0, i0 + 8, j0, cols);
                }
            }
            TransposeScalar(ps, lds, pd, ldd, i0, rows, 0, cols);
        }
    }

    private static void TransposeScalar(float* ps, nint lds, float* pd, nint ldd, int i0, int i1, int j0, int j1)
    {
        for (int i = i0; i < i1; i++)
        {
            for (int j = j0; j < j1; j++)
            {
                pd[(j * ldd) + i] = ps[(i * lds) + j];
            }
        }
    }

    /// <summary>One 8×8 block with AVX unpack / shuffle / lane permutes.</summary>
    private static void Transpose8x8(float* s, nint lds, float* d, nint ldd)
    {
        var r0 = Avx.LoadVector256(s);
        var r1 = Avx.LoadVector256(s + lds);
        var r2 = Avx.LoadVector256(s + (2 * lds));
        var r3 = Avx.LoadVector256(s + (3 * lds));
        var r4 = Avx.LoadVector256(s + (4 * lds));
        var r5 = Avx.LoadVector256(s + (5 * lds));
        var r6 = Avx.LoadVector256(s + (6 * lds));
        var r7 = Avx.LoadVector256(s + (7 * lds));
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + (2 * ldd), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + (3 * ldd), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + (4 * ldd), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + (5 * ldd), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + (6 * ldd), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + (7 * ldd), Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>
    /// N⁻¹ for N = I + A, A strictly lower triangular (L×L row-major, zero elsewhere), by forward substitution
    /// row_i = e_i − Σ_{l&lt;i} A_il row_l, ordered by l (row l of N⁻¹ is final, and zero beyond column l, once the rows
    /// above it have been subtracted), so the updates of the rows below are independent; 8 columns at a time.
    /// </summary>
    public static void InvertUnitLower(ReadOnlySpan<float> a, Span<float> ninv, int L)
    {
        Check(a.Length, L, L, L);
        Check(ninv.Length, L, L, L);
        ninv[..(L * L)].Clear();
        bool fma = Fma.IsSupported;
        fixed (float* pa = a, pn = ninv)
        {
            for (int i = 0; i < L; i++)
            {
                pn[((nint)i * L) + i] = 1f;
            }
            for (int l = 0; l < L - 1; l++)
            {
                float* src = pn + ((nint)l * L);
                // Columns 0..l of row l are non-zero; whole 8-wide groups while they stay inside the row.
                int end = Math.Min(L, (l + 8) & ~7);
                for (int i = l + 1; i < L; i++)
                {
                    float x = pa[((nint)i * L) + l];
                    if (x == 0f)
                    {
                        continue;
                    }
                    float* row = pn + ((nint)i * L);
                    int c = 0;
                    if (fma)
                    {
                        var xv = Vector256.Create(-x);
                        for (; c + 8 <= end; c += 8)
                        {
                            Avx.Store(row + c, Fma.MultiplyAdd(xv, Avx.LoadVector256(src + c), Avx.LoadVector256(row + c)));
                        }
                    }
                    for (; c <= l; c++)
                    {
                        row[c] = MathF.FusedMultiplyAdd(-x, src[c], row[c]);
                    }
                }
            }
        }
    }

    private static void Check(int length, int rows, int cols, int ld)
    {
        if (rows > 0 && cols > 0 && (ld < cols || length < ((long)(rows - 1) * ld) + cols))
        {
            throw new ArgumentException($"A {rows}×{cols} operand with row stride {ld} needs more than {length} elements.");
        }
    }
}
