using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous panel layouts the micro-kernel reads
/// (Goto and van de Geijn 2008, "Anatomy of high-performance matrix multiplication", §4).
/// A block (mc×kc) becomes ⌈mc/MR⌉ panels, each kc steps of MR floats; B block (kc×nc) becomes ⌈nc/NR⌉ panels,
/// each kc steps of NR floats. Missing rows/columns of an edge panel are zero.
/// The transposes are absorbed here: op(X)[i, p] = x[i·rowStride + p·colStride].
/// Packing A may write up to <see cref="Slack"/> floats past the end of its panels (overwritten or unused).
/// </summary>
internal static unsafe class GemmPacking
{
    private const int MR = GemmMicroKernel.MR;
    private const int NR = GemmMicroKernel.NR;

    /// <summary>Floats the vectorised A packing may write beyond the packed block.</summary>
    public const int Slack = 8;

    /// <summary>Packs rows [0, mc) and steps [0, kc) of op(A) starting at <paramref name="a"/>.</summary>
    public static void PackA(float* dst, float* a, nint ars, nint acs, int mc, int kc)
    {
        for (int i0 = 0; i0 < mc; i0 += MR)
        {
            int mr = Math.Min(MR, mc - i0);
            float* src = a + (i0 * ars);
            if (mr == MR && acs == 1)
            {
                // Row-major A: gather six rows step by step.
                float* r0 = src, r1 = src + ars, r2 = src + (2 * ars), r3 = src + (3 * ars), r4 = src + (4 * ars), r5 = src + (5 * ars);
                int p = 0;
                if (Avx.IsSupported)
                {
                    // 8 steps at a time: transpose 6 rows (+2 zero rows) × 8 steps; store each 8-float column at
                    // a 6-float pitch, the 2 trailing zeros being overwritten by the next column.
                    for (; p + 8 <= kc; p += 8)
                    {
                        Transpose8x8(
                            Avx.LoadVector256(r0 + p), Avx.LoadVector256(r1 + p), Avx.LoadVector256(r2 + p), Avx.LoadVector256(r3 + p),
                            Avx.LoadVector256(r4 + p), Avx.LoadVector256(r5 + p), Vector256<float>.Zero, Vector256<float>.Zero,
                            dst, MR);
                        dst += 8 * MR;
                    }
                }
                for (; p < kc; p++)
                {
                    dst[0] = r0[p];
                    dst[1] = r1[p];
                    dst[2] = r2[p];
                    dst[3] = r3[p];
                    dst[4] = r4[p];
                    dst[5] = r5[p];
                    dst += MR;
                }
            }
            else if (mr == MR && ars == 1)
            {
                // Transposed A: each step's six values are contiguous.
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (p * acs);
                    dst[0] = s[0];
                    dst[1] = s[1];
                    dst[2] = s[2];
                    dst[3] = s[3];
                    dst[4] = s[4];
                    dst[5] = s[5];
                    dst += MR;
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    int r = 0;
                    for (; r < mr; r++)
                    {
                        dst[r] = src[(r * ars) + (p * acs)];
                    }
                    for (; r < MR; r++)
                    {
                        dst[r] = 0f;
                    }
                    dst += MR;
                }
            }
        }
    }

    /// <summary>Packs panels [panelBegin, panelEnd) of steps [0, kc) and columns [0, nc) of op(B) starting at <paramref name="b"/>.</summary>
    public static void PackB(float* dst, float* b, nint brs, nint bcs, int nc, int kc, int panelBegin, int panelEnd)
    {
        for (int panel = panelBegin; panel < panelEnd; panel++)
        {
            int j0 = panel * NR;
            int nr = Math.Min(NR, nc - j0);
            float* d = dst + ((nint)panel * kc * NR);
            float* src = b + (j0 * bcs);
            if (nr == NR && bcs == 1)
            {
                // Row-major B: each step's 16 values are contiguous.
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (p * brs);
                    Vector128.Store(Vector128.Load(s), d);
                    Vector128.Store(Vector128.Load(s + 4), d + 4);
                    Vector128.Store(Vector128.Load(s + 8), d + 8);
                    Vector128.Store(Vector128.Load(s + 12), d + 12);
                    d += NR;
                }
            }
            else if (nr == NR && brs == 1 && Avx.IsSupported)
            {
                // Transposed B, full panel: 8×8 transposes of (8 columns × 8 steps).
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    for (int half = 0; half < 2; half++)
                    {
                        float* s = src + (half * 8 * bcs) + p;
                        Transpose8x8(
                            Avx.LoadVector256(s), Avx.LoadVector256(s + bcs), Avx.LoadVector256(s + (2 * bcs)), Avx.LoadVector256(s + (3 * bcs)),
                            Avx.LoadVector256(s + (4 * bcs)), Avx.LoadVector256(s + (5 * bcs)), Avx.LoadVector256(s + (6 * bcs)), Avx.LoadVector256(s + (7 * bcs)),
                            d + (p * NR) + (half * 8), NR);
                    }
                }
                for (; p < kc; p++)
                {
                    float* dp = d + (p * NR);
                    for (int j = 0; j < NR; j++)
                    {
                        dp[j] = src[(j * bcs) + p];
                    }
                }
            }
            else if (brs == 1)
            {
                // Transposed B (stored n×k): column j of op(B) is contiguous; scatter it with stride NR.
                int j = 0;
                for (; j < nr; j++)
                {
                    float* s = src + (j * bcs);
                    float* dj = d + j;
                    for (int p = 0; p < kc; p++)
                    {
                        dj[p * NR] = s[p];
                    }
                }
                for (; j < NR; j++)
                {
                    float* dj = d + j;
                    for (int p = 0; p < kc; p++)
                    {
                        dj[p * NR] = 0f;
                    }
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    int j = 0;
                    for (; j < nr; j++)
                    {
                        d[j] = src[(p * brs) + (j * bcs)];
                    }
                    for (; j < NR; j++)
                    {
                        d[j] = 0f;
                    }
                    d += NR;
                }
            }
        }
    }

    /// <summary>Writes column t of the 8×8 matrix with rows r0…r7 to dst + t·pitch (8 floats each, in order of t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, nint pitch)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + pitch, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * pitch), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * pitch), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * pitch), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * pitch), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * pitch), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * pitch), Avx.Permute2x128(u3, u7, 0x31));
    }
}
