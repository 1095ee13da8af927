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
            for (int i = 0; i < rows; i++)
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
