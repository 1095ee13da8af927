using System.Runtime.Intrinsics;

namespace FastWeights.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous panel layouts the micro-kernel reads
/// (Goto and van de Geijn 2008, "Anatomy of high-performance matrix multiplication", §4).
/// A block (mc×kc) becomes ⌈mc/MR⌉ panels, each kc steps of MR floats; B block (kc×nc) becomes ⌈nc/NR⌉ panels,
/// each kc steps of NR floats. Missing rows/columns of an edge panel are zero.
/// The transposes are absorbed here: op(X)[i, p] = x[i·rowStride + p·colStride].
/// </summary>
internal static unsafe class GemmPacking
{
    private const int MR = GemmMicroKernel.MR;
    private const int NR = GemmMicroKernel.NR;

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
                for (int p = 0; p < kc; p++)
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
}
