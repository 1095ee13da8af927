using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastWeights.Kernels;

/// <summary>
/// Matrix–vector products, dot products and axpy on spans with one 8-lane FMA chain per row
/// (<see cref="Vector256"/>, then <see cref="Vector256.Sum{T}(Vector256{T})"/>, then a scalar tail): the order of the
/// fast-weights RNN's explicit form and of its streaming step. The library has two other matrix–vector loops, each in
/// its own summation order, which the recorded runs pin (so none may replace another):
/// <see cref="StreamingKernels.MatVec"/> (two chains per row over a batch of inputs, shares its dot products with the
/// fast-weight step) and <see cref="GemmVector"/> (four chains, strided operands and alpha/beta: the m = 1 or n = 1
/// products of <see cref="Gemm"/>). Each has a fixed order, so results do not depend on threading.
/// </summary>
internal static class MatrixVector
{
    /// <summary>y[i] = init[i] + Σ_k m[i,k]·x[k] (init may be empty for 0); m is rows×cols row-major.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> m, int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> init, Span<float> y)
    {
        if (m.Length < rows * cols || x.Length < cols || y.Length < rows || (!init.IsEmpty && init.Length < rows))
        {
            throw new ArgumentException("MultiplyAdd: span too short.");
        }
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        bool hasInit = !init.IsEmpty;
        ref float ir = ref MemoryMarshal.GetReference(init);
        int i = 0;
        Span<float> sums = stackalloc float[8];
        // Eight rows at a time: eight independent chains keep both FMA ports busy. Each row's chain, sum and tail are
        // Dot's (used for the last rows), so the grouping never changes a result.
        for (; i + 8 <= rows; i += 8)
        {
            ref float r0 = ref Unsafe.Add(ref mr, i * cols);
            ref float r1 = ref Unsafe.Add(ref r0, cols);
            ref float r2 = ref Unsafe.Add(ref r1, cols);
            ref float r3 = ref Unsafe.Add(ref r2, cols);
            ref float r4 = ref Unsafe.Add(ref r3, cols);
            ref float r5 = ref Unsafe.Add(ref r4, cols);
            ref float r6 = ref Unsafe.Add(ref r5, cols);
            ref float r7 = ref Unsafe.Add(ref r6, cols);
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int k = 0;
            for (; k + 8 <= cols; k += 8)
            {
                var xv = Vector256.LoadUnsafe(ref xr, (nuint)k);
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)k), xv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)k), xv, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r2, (nuint)k), xv, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r3, (nuint)k), xv, a3);
                a4 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r4, (nuint)k), xv, a4);
                a5 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r5, (nuint)k), xv, a5);
                a6 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r6, (nuint)k), xv, a6);
                a7 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r7, (nuint)k), xv, a7);
            }
            sums[0] = Vector256.Sum(a0);
            sums[1] = Vector256.Sum(a1);
            sums[2] = Vector256.Sum(a2);
            sums[3] = Vector256.Sum(a3);
            sums[4] = Vector256.Sum(a4);
            sums[5] = Vector256.Sum(a5);
            sums[6] = Vector256.Sum(a6);
            sums[7] = Vector256.Sum(a7);
            for (int j = 0; j < 8; j++)
            {
                ref float row = ref Unsafe.Add(ref r0, j * cols);
                float sj = sums[j];
                for (int kk = k; kk < cols; kk++)
                {
                    sj += Unsafe.Add(ref row, kk) * Unsafe.Add(ref xr, kk);
                }
                Unsafe.Add(ref yr, i + j) = hasInit ? sj + Unsafe.Add(ref ir, i + j) : sj;
            }
        }
        for (; i < rows; i++)
        {
            float s0 = Dot(m.Slice(i * cols, cols), x);
            Unsafe.Add(ref yr, i) = hasInit ? s0 + Unsafe.Add(ref ir, i) : s0;
        }
    }

    /// <summary>y += a·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length > y.Length)
        {
            throw new ArgumentException("Axpy: span too short.");
        }
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        var av = Vector256.Create(a);
        int k = 0;
        for (; k + 8 <= n; k += 8)
        {
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)k), av, Vector256.LoadUnsafe(ref yr, (nuint)k)).StoreUnsafe(ref yr, (nuint)k);
        }
        for (; k < n; k++)
        {
            Unsafe.Add(ref yr, k) += a * Unsafe.Add(ref xr, k);
        }
    }

    /// <summary>Dot product Σ_k x[k]·y[k] with a fixed summation order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length > y.Length)
        {
            throw new ArgumentException("Dot: span too short.");
        }
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        var acc = Vector256<float>.Zero;
        int k = 0;
        for (; k + 8 <= n; k += 8)
        {
            acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)k), Vector256.LoadUnsafe(ref yr, (nuint)k), acc);
        }
        float s = Vector256.Sum(acc);
        for (; k < n; k++)
        {
            s += Unsafe.Add(ref xr, k) * Unsafe.Add(ref yr, k);
        }
        return s;
    }
}
