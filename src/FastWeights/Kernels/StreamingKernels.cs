using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Kernels;

/// <summary>
/// Vector passes for streaming inference (one token per sequence, no tape, no allocation): matrix–vector products
/// with a [rows, cols] row-major weight (as <c>Linear</c> stores it), LayerNorm rows, and the dot-product chains the
/// fast weight programmers' one-token step is built on. Single-threaded and in a fixed order, so results do not depend on the thread count.
/// AVX2/FMA when the CPU has it, <see cref="TensorPrimitives"/> otherwise.
/// </summary>
internal static unsafe class StreamingKernels
{
    /// <summary>
    /// y[b, r] = Σ_c W[r, c] · x[b, c] + bias[r] for b &lt; <paramref name="batch"/>, r &lt; rows (empty bias: none).
    /// Four weight rows at a time against every batch row, so each weight row is read from memory once per call.
    /// Two 8-lane FMA chains per row (the order of the fast-weight step's dot products); see <see cref="MatrixVector"/>
    /// for the library's other matrix–vector orders.
    /// </summary>
    public static void MatVec(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int batch, int rows, int cols)
    {
        if (weight.Length < rows * cols || x.Length < batch * cols || y.Length < batch * rows || (!bias.IsEmpty && bias.Length < rows))
        {
            throw new ArgumentException($"MatVec needs W [{rows}, {cols}], x [{batch}, {cols}], y [{batch}, {rows}]; got {weight.Length}, {x.Length}, {y.Length} floats.");
        }
        if (!Fma.IsSupported || cols < 8)
        {
            for (int b = 0; b < batch; b++)
            {
                var xb = x.Slice(b * cols, cols);
                for (int r = 0; r < rows; r++)
                {
                    y[(b * rows) + r] = TensorPrimitives.Dot(weight.Slice(r * cols, cols), xb) + (bias.IsEmpty ? 0f : bias[r]);
                }
            }
            return;
        }
        bool wide = KernelPaths.Current == KernelPath.Avx512;
        fixed (float* w = weight, xp = x, yp = y, bp = bias)
        {
            int r = 0;
            for (; r + 4 <= rows; r += 4)
            {
                float* w0 = w + ((nint)r * cols);
                for (int b = 0; b < batch; b++)
                {
                    Dot4(w0, cols, xp + ((nint)b * cols), b == 0, wide, out float s0, out float s1, out float s2, out float s3);
                    float* yr = yp + ((nint)b * rows) + r;
                    if (bp is not null)
                    {
                        s0 += bp[r];
                        s1 += bp[r + 1];
                        s2 += bp[r + 2];
                        s3 += bp[r + 3];
                    }
                    yr[0] = s0;
                    yr[1] = s1;
                    yr[2] = s2;
                    yr[3] = s3;
                }
            }
            for (; r < rows; r++)
            {
                for (int b = 0; b < batch; b++)
                {
                    yp[((nint)b * rows) + r] = Dot(w + ((nint)r * cols), xp + ((nint)b * cols), cols) + (bp is null ? 0f : bp[r]);
                }
            }
        }
    }

    /// <summary>y = (x − mean) / √(var + ε) ⊙ gain + bias over one row (biased variance, as <c>Ops.LayerNorm</c>); y may be x.</summary>
    public static void LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, float eps, Span<float> y) =>
        LayerNormKernel.NormalizeAffine(x, gain, bias, eps, y);

    // Dot products of four consecutive rows (stride n) with a and with b: 8-lane FMA chains, eight in flight.
    internal static void Dot4Pair(float* r0, int n, float* a, float* b, out float a0, out float a1, out float a2, out float a3,
        out float b0, out float b1, out float b2, out float b3)
    {
        float* r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
        Vector256<float> sa0 = Vector256<float>.Zero, sa1 = sa0, sa2 = sa0, sa3 = sa0, sb0 = sa0, sb1 = sa0, sb2 = sa0, sb3 = sa0;
        int p = 0;
        for (; p + 8 <= n; p += 8)
        {
            var av = Avx.LoadVector256(a + p);
            var bv = Avx.LoadVector256(b + p);
            var x0 = Avx.LoadVector256(r0 + p);
            var x1 = Avx.LoadVector256(r1 + p);
            var x2 = Avx.LoadVector256(r2 + p);
            var x3 = Avx.LoadVector256(r3 + p);
            sa0 = Fma.MultiplyAdd(x0, av, sa0);
            sb0 = Fma.MultiplyAdd(x0, bv, sb0);
            sa1 = Fma.MultiplyAdd(x1, av, sa1);
            sb1 = Fma.MultiplyAdd(x1, bv, sb1);
            sa2 = Fma.MultiplyAdd(x2, av, sa2);
            sb2 = Fma.MultiplyAdd(x2, bv, sb2);
            sa3 = Fma.MultiplyAdd(x3, av, sa3);
            sb3 = Fma.MultiplyAdd(x3, bv, sb3);
        }
        a0 = Vector256.Sum(sa0);
        a1 = Vector256.Sum(sa1);
        a2 = Vector256.Sum(sa2);
        a3 = Vector256.Sum(sa3);
        b0 = Vector256.Sum(sb0);
        b1 = Vector256.Sum(sb1);
        b2 = Vector256.Sum(sb2);
        b3 = Vector256.Sum(sb3);
        for (; p < n; p++)
        {
            a0 = MathF.FusedMultiplyAdd(r0[p], a[p], a0);
            a1 = MathF.FusedMultiplyAdd(r1[p], a[p], a1);
            a2 = MathF.FusedMultiplyAdd(r2[p], a[p], a2);
            a3 = MathF.FusedMultiplyAdd(r3[p], a[p], a3);
            b0 = MathF.FusedMultiplyAdd(r0[p], b[p], b0);
            b1 = MathF.FusedMultiplyAdd(r1[p], b[p], b1);
            b2 = MathF.FusedMultiplyAdd(r2[p], b[p], b2);
            b3 = MathF.FusedMultiplyAdd(r3[p], b[p], b3);
        }
    }

    // Four dot products of consecutive weight rows w0 … w0 + 3·cols with x: two 8-lane FMA chains per row, the first
    // over columns p..p+7 and the second over p+8..p+15 of each 16-column block (stream: prefetch the following four
    // rows past the caches). On the AVX-512 path one 16-lane chain per row holds both (its halves are the two chains,
    // the same FMAs in the same order): half the load instructions, and 1.5× faster streaming (docs/benchmarks.md).
    // wide: the AVX-512 loop (KernelPaths.Current == Avx512, read once by the caller: it is a thread-static lookup).
    internal static void Dot4(float* w0, int cols, float* x, bool stream, bool wide, out float s0, out float s1, out float s2, out float s3)
    {
        float* w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        int p = 0;
        if (wide)
        {
            Vector512<float> za = Vector512<float>.Zero, zb = za, zc = za, zd = za;
            for (; p + 16 <= cols; p += 16)
            {
                if (stream)
                {
                    PrefetchNextRows(w0 + (4 * (nint)cols) + p, cols);
                }
                var xv = Avx512F.LoadVector512(x + p);
                za = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w0 + p), xv, za);
                zb = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w1 + p), xv, zb);
                zc = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w2 + p), xv, zc);
                zd = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w3 + p), xv, zd);
            }
            (a0, a1) = (za.GetLower(), za.GetUpper());
            (b0, b1) = (zb.GetLower(), zb.GetUpper());
            (c0, c1) = (zc.GetLower(), zc.GetUpper());
            (d0, d1) = (zd.GetLower(), zd.GetUpper());
        }
        for (; p + 16 <= cols; p += 16)
        {
            if (stream)
            {
                PrefetchNextRows(w0 + (4 * (nint)cols) + p, cols);
            }
            var x0 = Avx.LoadVector256(x + p);
            var x1 = Avx.LoadVector256(x + p + 8);
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + p), x0, a0);
            a1 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + p + 8), x1, a1);
            b0 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + p), x0, b0);
            b1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + p + 8), x1, b1);
            c0 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + p), x0, c0);
            c1 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + p + 8), x1, c1);
            d0 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + p), x0, d0);
            d1 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + p + 8), x1, d1);
        }
        for (; p + 8 <= cols; p += 8)
        {
            var x0 = Avx.LoadVector256(x + p);
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + p), x0, a0);
            b0 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + p), x0, b0);
            c0 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + p), x0, c0);
            d0 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + p), x0, d0);
        }
        s0 = Vector256.Sum(Avx.Add(a0, a1));
        s1 = Vector256.Sum(Avx.Add(b0, b1));
        s2 = Vector256.Sum(Avx.Add(c0, c1));
        s3 = Vector256.Sum(Avx.Add(d0, d1));
        for (; p < cols; p++)
        {
            float xv = x[p];
            s0 = MathF.FusedMultiplyAdd(w0[p], xv, s0);
            s1 = MathF.FusedMultiplyAdd(w1[p], xv, s1);
            s2 = MathF.FusedMultiplyAdd(w2[p], xv, s2);
            s3 = MathF.FusedMultiplyAdd(w3[p], xv, s3);
        }
    }

    // The next four rows' line at this column, non-temporal: each weight is read once per token, and streaming
    // megabytes of them through the caches would evict the state and activations (prefetches never fault past the end).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchNextRows(float* ahead, int cols)
    {
        Sse.PrefetchNonTemporal(ahead);
        Sse.PrefetchNonTemporal(ahead + cols);
        Sse.PrefetchNonTemporal(ahead + (2 * cols));
        Sse.PrefetchNonTemporal(ahead + (3 * cols));
    }

    // Σ_p a[p]·b[p]: two 8-lane FMA chains, then a scalar tail.
    internal static float Dot(float* a, float* b, int n)
    {
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0;
        int p = 0;
        for (; p + 16 <= n; p += 16)
        {
            s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + p), Avx.LoadVector256(b + p), s0);
            s1 = Fma.MultiplyAdd(Avx.LoadVector256(a + p + 8), Avx.LoadVector256(b + p + 8), s1);
        }
        for (; p + 8 <= n; p += 8)
        {
            s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + p), Avx.LoadVector256(b + p), s0);
        }
        float sum = Vector256.Sum(Avx.Add(s0, s1));
        for (; p < n; p++)
        {
            sum = MathF.FusedMultiplyAdd(a[p], b[p], sum);
        }
        return sum;
    }
}
