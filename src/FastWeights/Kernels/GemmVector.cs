using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Kernels;

/// <summary>
/// Matrix-vector products for the m = 1 or n = 1 shapes, where a 6×16 tile would waste most of its lanes:
/// y[i] = alpha · Σ_p X[i·rowStride + p·pStride] · v[p·vStride] + beta · y[i·yStride], i &lt; rows.
/// Rows contiguous along p use dot products; rows contiguous along i use column updates (axpy).
/// Single-threaded and in a fixed order, so results do not depend on the thread count. AVX2/FMA only.
/// (Four FMA chains per dot product: not the order of <see cref="MatrixVector"/>, which the recorded runs also pin.)
/// </summary>
internal static unsafe class GemmVector
{
    /// <summary>Runs the product when a vector form applies; false leaves it to the blocked driver.</summary>
    public static bool TryRun(
        int rows, int k, float* x, nint rowStride, nint pStride, float* v, nint vStride,
        float* y, nint yStride, float alpha, float beta)
    {
        if (pStride == 1)
        {
            using var gathered = PackBuffer.Rent(true, vStride == 1 ? 0 : k);
            float* vc = v;
            if (vStride != 1)
            {
                vc = gathered.Pointer;
                for (int p = 0; p < k; p++)
                {
                    vc[p] = v[p * vStride];
                }
            }
            int i = 0;
            float* dots = stackalloc float[4];
            for (; i + 4 <= rows; i += 4)
            {
                // Four rows at once, each with Dot's own operations: more independent chains, the same bits.
                Dot4Rows(x + (i * rowStride), rowStride, vc, k, dots);
                for (int j = 0; j < 4; j++)
                {
                    float* yi = y + ((i + j) * yStride);
                    *yi = beta == 0f ? dots[j] * alpha : MathF.FusedMultiplyAdd(dots[j], alpha, beta * *yi);
                }
            }
            for (; i < rows; i++)
            {
                float dot = Dot(x + (i * rowStride), vc, k);
                float* yi = y + (i * yStride);
                *yi = beta == 0f ? dot * alpha : MathF.FusedMultiplyAdd(dot, alpha, beta * *yi);
            }
            return true;
        }
        if (rowStride == 1)
        {
            using var scratch = PackBuffer.Rent(true, yStride == 1 ? 0 : rows);
            float* yc = yStride == 1 ? y : scratch.Pointer;
            if (yStride != 1)
            {
                for (int i = 0; i < rows; i++)
                {
                    yc[i] = y[i * yStride];
                }
            }
            Axpy(rows, k, x, pStride, v, vStride, yc, alpha, beta);
            if (yStride != 1)
            {
                for (int i = 0; i < rows; i++)
                {
                    y[i * yStride] = yc[i];
                }
            }
            return true;
        }
        return false;
    }

    /// <summary>Σ_p a[p]·b[p]: four 8-lane FMA chains over blocks of 32, one chain for blocks of 8, then a scalar tail.</summary>
    private static float Dot(float* a, float* b, int k)
    {
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + p), Avx.LoadVector256(b + p), s0);
            s1 = Fma.MultiplyAdd(Avx.LoadVector256(a + p + 8), Avx.LoadVector256(b + p + 8), s1);
            s2 = Fma.MultiplyAdd(Avx.LoadVector256(a + p + 16), Avx.LoadVector256(b + p + 16), s2);
            s3 = Fma.MultiplyAdd(Avx.LoadVector256(a + p + 24), Avx.LoadVector256(b + p + 24), s3);
        }
        for (; p + 8 <= k; p += 8)
        {
            s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + p), Avx.LoadVector256(b + p), s0);
        }
        return Finish(s0, s1, s2, s3, a, b, p, k);
    }

    /// <summary><see cref="Dot"/> of rows a, a + stride, a + 2·stride, a + 3·stride with b, interleaved (per row the same operations in the same order).</summary>
    private static void Dot4Rows(float* a, nint stride, float* b, int k, float* dots)
    {
        float* a1 = a + stride, a2 = a1 + stride, a3 = a2 + stride;
        Vector256<float> s00 = Vector256<float>.Zero, s01 = s00, s02 = s00, s03 = s00;
        Vector256<float> s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        Vector256<float> s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        Vector256<float> s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            var b0 = Avx.LoadVector256(b + p);
            var b1 = Avx.LoadVector256(b + p + 8);
            var b2 = Avx.LoadVector256(b + p + 16);
            var b3 = Avx.LoadVector256(b + p + 24);
            s00 = Fma.MultiplyAdd(Avx.LoadVector256(a + p), b0, s00);
            s01 = Fma.MultiplyAdd(Avx.LoadVector256(a + p + 8), b1, s01);
            s02 = Fma.MultiplyAdd(Avx.LoadVector256(a + p + 16), b2, s02);
            s03 = Fma.MultiplyAdd(Avx.LoadVector256(a + p + 24), b3, s03);
            s10 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + p), b0, s10);
            s11 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + p + 8), b1, s11);
            s12 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + p + 16), b2, s12);
            s13 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + p + 24), b3, s13);
            s20 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + p), b0, s20);
            s21 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + p + 8), b1, s21);
            s22 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + p + 16), b2, s22);
            s23 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + p + 24), b3, s23);
            s30 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + p), b0, s30);
            s31 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + p + 8), b1, s31);
            s32 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + p + 16), b2, s32);
            s33 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + p + 24), b3, s33);
        }
        for (; p + 8 <= k; p += 8)
        {
            var b0 = Avx.LoadVector256(b + p);
            s00 = Fma.MultiplyAdd(Avx.LoadVector256(a + p), b0, s00);
            s10 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + p), b0, s10);
            s20 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + p), b0, s20);
            s30 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + p), b0, s30);
        }
        dots[0] = Finish(s00, s01, s02, s03, a, b, p, k);
        dots[1] = Finish(s10, s11, s12, s13, a1, b, p, k);
        dots[2] = Finish(s20, s21, s22, s23, a2, b, p, k);
        dots[3] = Finish(s30, s31, s32, s33, a3, b, p, k);
    }

    // Dot's reduction of its four chains and its scalar tail from p.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3, float* a, float* b, int p, int k)
    {
        Vector256<float> s = Avx.Add(Avx.Add(s0, s1), Avx.Add(s2, s3));
        Vector128<float> h = Sse.Add(s.GetLower(), s.GetUpper());
        float sum = (h.GetElement(0) + h.GetElement(1)) + (h.GetElement(2) + h.GetElement(3));
        for (; p < k; p++)
        {
            sum = MathF.FusedMultiplyAdd(a[p], b[p], sum);
        }
        return sum;
    }

    /// <summary>y[i] ← alpha·Σ_p x[p·pStride + i]·v[p·vStride] + beta·y[i], 32 then 8 outputs at a time, scalar tail.</summary>
    private static void Axpy(int rows, int k, float* x, nint pStride, float* v, nint vStride, float* y, float alpha, float beta)
    {
        Vector256<float> alphaV = Vector256.Create(alpha), betaV = Vector256.Create(beta);
        int i = 0;
        for (; i + 32 <= rows; i += 32)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            float* xp = x + i;
            for (int p = 0; p < k; p++)
            {
                Vector256<float> vp = Vector256.Create(v[p * vStride]);
                s0 = Fma.MultiplyAdd(Avx.LoadVector256(xp), vp, s0);
                s1 = Fma.MultiplyAdd(Avx.LoadVector256(xp + 8), vp, s1);
                s2 = Fma.MultiplyAdd(Avx.LoadVector256(xp + 16), vp, s2);
                s3 = Fma.MultiplyAdd(Avx.LoadVector256(xp + 24), vp, s3);
                xp += pStride;
            }
            Store(y + i, s0, alphaV, betaV, beta);
            Store(y + i + 8, s1, alphaV, betaV, beta);
            Store(y + i + 16, s2, alphaV, betaV, beta);
            Store(y + i + 24, s3, alphaV, betaV, beta);
        }
        for (; i + 8 <= rows; i += 8)
        {
            Vector256<float> s0 = Vector256<float>.Zero;
            float* xp = x + i;
            for (int p = 0; p < k; p++)
            {
                s0 = Fma.MultiplyAdd(Avx.LoadVector256(xp), Vector256.Create(v[p * vStride]), s0);
                xp += pStride;
            }
            Store(y + i, s0, alphaV, betaV, beta);
        }
        for (; i < rows; i++)
        {
            float sum = 0f;
            for (int p = 0; p < k; p++)
            {
                sum = MathF.FusedMultiplyAdd(x[(p * pStride) + i], v[p * vStride], sum);
            }
            y[i] = beta == 0f ? sum * alpha : MathF.FusedMultiplyAdd(sum, alpha, beta * y[i]);
        }
    }

    private static void Store(float* y, Vector256<float> sum, Vector256<float> alphaV, Vector256<float> betaV, float beta)
        => Avx.Store(y, beta == 0f ? Avx.Multiply(sum, alphaV) : Fma.MultiplyAdd(sum, alphaV, Avx.Multiply(betaV, Avx.LoadVector256(y))));
}
