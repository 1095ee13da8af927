using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastWeights.Kernels;

namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// Small SIMD helpers over row-major R×R matrices for the fast-weights RNN kernel (sizes are tiny, so these beat a
/// general GEMM call): attention over the stored states, rank-1 and decay updates, ReLU masks; the plain
/// matrix–vector product is <see cref="MatrixVector.MultiplyAdd"/>. Each has a fixed summation order, so results do not
/// depend on threading.
/// </summary>
internal static class FastWeightRnnMath
{
    /// <summary>
    /// Efficient-form attention, forward, in one pass over the stored states m (rows×cols): for each row j,
    /// s_j = c[j]·(m_j·x) and z += s_j·m_j, i.e. z += mᵀ(c ⊙ m x) = A(t) h_s with m_j = h(j+1), c_j = η λ^{t−1−j}.
    /// Rows are taken in pairs (two independent dot products), in a fixed order.
    /// </summary>
    public static void AttendForward(ReadOnlySpan<float> m, int rows, int cols, ReadOnlySpan<float> c, ReadOnlySpan<float> x, Span<float> z)
    {
        if (m.Length < rows * cols || c.Length < rows || x.Length < cols || z.Length < cols)
        {
            throw new ArgumentException("AttendForward: span too short.");
        }
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        int i = 0;
        for (; i + 2 <= rows; i += 2)
        {
            ref float r0 = ref Unsafe.Add(ref mr, i * cols);
            ref float r1 = ref Unsafe.Add(ref r0, cols);
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            int k = 0;
            for (; k + 8 <= cols; k += 8)
            {
                var xv = Vector256.LoadUnsafe(ref xr, (nuint)k);
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)k), xv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)k), xv, a1);
            }
            float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1);
            for (; k < cols; k++)
            {
                float xk = Unsafe.Add(ref xr, k);
                s0 += Unsafe.Add(ref r0, k) * xk;
                s1 += Unsafe.Add(ref r1, k) * xk;
            }
            s0 *= c[i];
            s1 *= c[i + 1];
            var v0 = Vector256.Create(s0);
            var v1 = Vector256.Create(s1);
            k = 0;
            for (; k + 8 <= cols; k += 8)
            {
                var acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)k), v0, Vector256.LoadUnsafe(ref zr, (nuint)k));
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)k), v1, acc).StoreUnsafe(ref zr, (nuint)k);
            }
            for (; k < cols; k++)
            {
                Unsafe.Add(ref zr, k) += (Unsafe.Add(ref r0, k) * s0) + (Unsafe.Add(ref r1, k) * s1);
            }
        }
        if (i < rows)
        {
            var row = m.Slice(i * cols, cols);
            MatrixVector.Axpy(c[i] * MatrixVector.Dot(row, x), row, z);
        }
    }

    /// <summary>
    /// Efficient-form attention, backward, in one pass over the stored states m (rows×cols): for each row j, with
    /// p_j = c[j]·(m_j·x) and q_j = c[j]·(m_j·dz): dx = Σ_j q_j m_j (written, not accumulated) and
    /// dm_j += q_j·x + p_j·dz (the gradient of z += Σ_j c_j m_j (m_j·x) given dz). Rows are taken in pairs, in a fixed order.
    /// </summary>
    public static void AttendBackward(ReadOnlySpan<float> m, int rows, int cols, ReadOnlySpan<float> c, ReadOnlySpan<float> x, ReadOnlySpan<float> dz, Span<float> dx, Span<float> dm)
    {
        if (m.Length < rows * cols || c.Length < rows || x.Length < cols || dz.Length < cols || dx.Length < cols || dm.Length < rows * cols)
        {
            throw new ArgumentException("AttendBackward: span too short.");
        }
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dzr = ref MemoryMarshal.GetReference(dz);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        ref float dmr = ref MemoryMarshal.GetReference(dm);
        dx[..cols].Clear();
        int i = 0;
        for (; i + 2 <= rows; i += 2)
        {
            // Two rows at once: four independent dot products, then one pass updating dx and both rows of dm.
            ref float r0 = ref Unsafe.Add(ref mr, i * cols);
            ref float r1 = ref Unsafe.Add(ref r0, cols);
            ref float d0 = ref Unsafe.Add(ref dmr, i * cols);
            ref float d1 = ref Unsafe.Add(ref d0, cols);
            var a0 = Vector256<float>.Zero;
            var b0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var b1 = Vector256<float>.Zero;
            int k = 0;
            for (; k + 8 <= cols; k += 8)
            {
                var xv = Vector256.LoadUnsafe(ref xr, (nuint)k);
                var gv = Vector256.LoadUnsafe(ref dzr, (nuint)k);
                var m0 = Vector256.LoadUnsafe(ref r0, (nuint)k);
                var m1 = Vector256.LoadUnsafe(ref r1, (nuint)k);
                a0 = Vector256.FusedMultiplyAdd(m0, xv, a0);
                b0 = Vector256.FusedMultiplyAdd(m0, gv, b0);
                a1 = Vector256.FusedMultiplyAdd(m1, xv, a1);
                b1 = Vector256.FusedMultiplyAdd(m1, gv, b1);
            }
            float sa0 = Vector256.Sum(a0), sb0 = Vector256.Sum(b0), sa1 = Vector256.Sum(a1), sb1 = Vector256.Sum(b1);
            for (; k < cols; k++)
            {
                float xk = Unsafe.Add(ref xr, k), gk = Unsafe.Add(ref dzr, k);
                float m0 = Unsafe.Add(ref r0, k), m1 = Unsafe.Add(ref r1, k);
                sa0 += m0 * xk;
                sb0 += m0 * gk;
                sa1 += m1 * xk;
                sb1 += m1 * gk;
            }
            float p0 = c[i] * sa0, q0 = c[i] * sb0, p1 = c[i + 1] * sa1, q1 = c[i + 1] * sb1;
            var p0v = Vector256.Create(p0);
            var q0v = Vector256.Create(q0);
            var p1v = Vector256.Create(p1);
            var q1v = Vector256.Create(q1);
            k = 0;
            for (; k + 8 <= cols; k += 8)
            {
                var xv = Vector256.LoadUnsafe(ref xr, (nuint)k);
                var gv = Vector256.LoadUnsafe(ref dzr, (nuint)k);
                var acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)k), q0v, Vector256.LoadUnsafe(ref dxr, (nuint)k));
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)k), q1v, acc).StoreUnsafe(ref dxr, (nuint)k);
                var e0 = Vector256.FusedMultiplyAdd(xv, q0v, Vector256.LoadUnsafe(ref d0, (nuint)k));
                Vector256.FusedMultiplyAdd(gv, p0v, e0).StoreUnsafe(ref d0, (nuint)k);
                var e1 = Vector256.FusedMultiplyAdd(xv, q1v, Vector256.LoadUnsafe(ref d1, (nuint)k));
                Vector256.FusedMultiplyAdd(gv, p1v, e1).StoreUnsafe(ref d1, (nuint)k);
            }
            for (; k < cols; k++)
            {
                float xk = Unsafe.Add(ref xr, k), gk = Unsafe.Add(ref dzr, k);
                Unsafe.Add(ref dxr, k) += (Unsafe.Add(ref r0, k) * q0) + (Unsafe.Add(ref r1, k) * q1);
                Unsafe.Add(ref d0, k) += (q0 * xk) + (p0 * gk);
                Unsafe.Add(ref d1, k) += (q1 * xk) + (p1 * gk);
            }
        }
        if (i < rows)
        {
            var row = m.Slice(i * cols, cols);
            float p = c[i] * MatrixVector.Dot(row, x), q = c[i] * MatrixVector.Dot(row, dz);
            MatrixVector.Axpy(q, row, dx);
            var drow = dm.Slice(i * cols, cols);
            MatrixVector.Axpy(q, x, drow);
            MatrixVector.Axpy(p, dz, drow);
        }
    }

    /// <summary>dest = x + y + z (z may be empty for dest = x + y).</summary>
    public static void Add3(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> dest)
    {
        int n = dest.Length;
        if (x.Length < n || y.Length < n || (!z.IsEmpty && z.Length < n))
        {
            throw new ArgumentException("Add3: span too short.");
        }
        if (z.IsEmpty)
        {
            TensorPrimitives.Add(x[..n], y[..n], dest);
            return;
        }
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float dr = ref MemoryMarshal.GetReference(dest);
        int k = 0;
        for (; k + 8 <= n; k += 8)
        {
            (Vector256.LoadUnsafe(ref xr, (nuint)k) + Vector256.LoadUnsafe(ref yr, (nuint)k) + Vector256.LoadUnsafe(ref zr, (nuint)k)).StoreUnsafe(ref dr, (nuint)k);
        }
        for (; k < n; k++)
        {
            Unsafe.Add(ref dr, k) = Unsafe.Add(ref xr, k) + Unsafe.Add(ref yr, k) + Unsafe.Add(ref zr, k);
        }
    }

    /// <summary>
    /// y[k] += alpha · Σ_i x[i]·m[i,k] (y += alpha·mᵀx), skipping the rows where x[i] = 0 (ReLU outputs are sparse).
    /// </summary>
    public static void AddMatTVec(ReadOnlySpan<float> m, int rows, int cols, ReadOnlySpan<float> x, float alpha, Span<float> y)
    {
        if (m.Length < rows * cols || x.Length < rows || y.Length < cols)
        {
            throw new ArgumentException("AddMatTVec: span too short.");
        }
        // Indices of the non-zero rows: on the stack up to 1024 rows, else from the shared pool (no allocation per call).
        int[]? pooled = rows <= 1024 ? null : System.Buffers.ArrayPool<int>.Shared.Rent(rows);
        Span<int> nonZero = pooled is null ? stackalloc int[rows] : pooled.AsSpan(0, rows);
        int count = 0;
        for (int i = 0; i < rows; i++)
        {
            if (x[i] != 0f)
            {
                nonZero[count++] = i;
            }
        }
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int p = 0;
        for (; p + 4 <= count; p += 4)
        {
            int i0 = nonZero[p], i1 = nonZero[p + 1], i2 = nonZero[p + 2], i3 = nonZero[p + 3];
            float c0 = alpha * Unsafe.Add(ref xr, i0), c1 = alpha * Unsafe.Add(ref xr, i1);
            float c2 = alpha * Unsafe.Add(ref xr, i2), c3 = alpha * Unsafe.Add(ref xr, i3);
            ref float r0 = ref Unsafe.Add(ref mr, i0 * cols);
            ref float r1 = ref Unsafe.Add(ref mr, i1 * cols);
            ref float r2 = ref Unsafe.Add(ref mr, i2 * cols);
            ref float r3 = ref Unsafe.Add(ref mr, i3 * cols);
            var v0 = Vector256.Create(c0);
            var v1 = Vector256.Create(c1);
            var v2 = Vector256.Create(c2);
            var v3 = Vector256.Create(c3);
            int k = 0;
            for (; k + 8 <= cols; k += 8)
            {
                var acc = Vector256.LoadUnsafe(ref yr, (nuint)k);
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)k), v0, acc);
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)k), v1, acc);
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r2, (nuint)k), v2, acc);
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r3, (nuint)k), v3, acc);
                acc.StoreUnsafe(ref yr, (nuint)k);
            }
            for (; k < cols; k++)
            {
                float acc = Unsafe.Add(ref yr, k);
                acc += Unsafe.Add(ref r0, k) * c0;
                acc += Unsafe.Add(ref r1, k) * c1;
                acc += Unsafe.Add(ref r2, k) * c2;
                acc += Unsafe.Add(ref r3, k) * c3;
                Unsafe.Add(ref yr, k) = acc;
            }
        }
        for (; p < count; p++)
        {
            int i0 = nonZero[p];
            MatrixVector.Axpy(alpha * Unsafe.Add(ref xr, i0), m.Slice(i0 * cols, cols), y);
        }
        if (pooled is not null)
        {
            System.Buffers.ArrayPool<int>.Shared.Return(pooled);
        }
    }

    /// <summary>m[i,k] += alpha·x[i]·y[k] (rank-1 update), skipping rows where x[i] = 0.</summary>
    public static void AddOuter(Span<float> m, int rows, int cols, ReadOnlySpan<float> x, float alpha, ReadOnlySpan<float> y)
    {
        if (m.Length < rows * cols || x.Length < rows || y.Length < cols)
        {
            throw new ArgumentException("AddOuter: span too short.");
        }
        for (int i = 0; i < rows; i++)
        {
            float xi = x[i];
            if (xi != 0f)
            {
                MatrixVector.Axpy(alpha * xi, y, m.Slice(i * cols, cols));
            }
        }
    }

    /// <summary>m ← λ·m + η·h·hᵀ (the fast-memory update A(t+1) = λ A(t) + η h(t+1) h(t+1)ᵀ), m is n×n.</summary>
    public static void DecayAddOuter(Span<float> m, int n, float lambda, float eta, ReadOnlySpan<float> h)
    {
        if (m.Length < n * n || h.Length < n)
        {
            throw new ArgumentException("DecayAddOuter: span too short.");
        }
        ref float hr = ref MemoryMarshal.GetReference(h);
        var lv = Vector256.Create(lambda);
        // Element-wise, so 16 lanes give the bits of 8: the AVX-512 path covers what the 8-lane loop would.
        bool wide = KernelPaths.Current == KernelPath.Avx512;
        var lv512 = Vector512.Create(lambda);
        for (int i = 0; i < n; i++)
        {
            ref float row = ref Unsafe.Add(ref MemoryMarshal.GetReference(m), i * n);
            float c = eta * h[i];
            var cv = Vector256.Create(c);
            int k = 0;
            if (wide)
            {
                var cv512 = Vector512.Create(c);
                for (; k + 16 <= n; k += 16)
                {
                    var v = Vector512.LoadUnsafe(ref row, (nuint)k) * lv512;
                    Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref hr, (nuint)k), cv512, v).StoreUnsafe(ref row, (nuint)k);
                }
            }
            for (; k + 8 <= n; k += 8)
            {
                var v = Vector256.LoadUnsafe(ref row, (nuint)k) * lv;
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref hr, (nuint)k), cv, v).StoreUnsafe(ref row, (nuint)k);
            }
            for (; k < n; k++)
            {
                Unsafe.Add(ref row, k) = (Unsafe.Add(ref row, k) * lambda) + (Unsafe.Add(ref hr, k) * c);
            }
        }
    }

    /// <summary>dest[k] = d[k] where h[k] &gt; 0, else 0 (the ReLU derivative applied through its output h).</summary>
    public static void MaskByPositive(ReadOnlySpan<float> d, ReadOnlySpan<float> h, Span<float> dest)
    {
        if (d.Length > h.Length || d.Length > dest.Length)
        {
            throw new ArgumentException("MaskByPositive: span too short.");
        }
        int n = d.Length;
        ref float dr = ref MemoryMarshal.GetReference(d);
        ref float hr = ref MemoryMarshal.GetReference(h);
        ref float or = ref MemoryMarshal.GetReference(dest);
        int k = 0;
        for (; k + 8 <= n; k += 8)
        {
            var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref hr, (nuint)k), Vector256<float>.Zero);
            (Vector256.LoadUnsafe(ref dr, (nuint)k) & mask).StoreUnsafe(ref or, (nuint)k);
        }
        for (; k < n; k++)
        {
            Unsafe.Add(ref or, k) = Unsafe.Add(ref hr, k) > 0f ? Unsafe.Add(ref dr, k) : 0f;
        }
    }

    /// <summary>dest += d where h &gt; 0 (accumulating form of <see cref="MaskByPositive"/>).</summary>
    public static void AddMaskedByPositive(ReadOnlySpan<float> d, ReadOnlySpan<float> h, Span<float> dest) =>
        AddMaskedByPositive(d, h, dest, default);

    /// <summary>dest += d where h &gt; 0, then total += dest (skipped when <paramref name="total"/> is empty), in one pass.</summary>
    public static void AddMaskedByPositive(ReadOnlySpan<float> d, ReadOnlySpan<float> h, Span<float> dest, Span<float> total)
    {
        int n = d.Length;
        if (n > h.Length || n > dest.Length || (!total.IsEmpty && n > total.Length))
        {
            throw new ArgumentException("AddMaskedByPositive: span too short.");
        }
        bool accumulate = !total.IsEmpty;
        ref float dr = ref MemoryMarshal.GetReference(d);
        ref float hr = ref MemoryMarshal.GetReference(h);
        ref float or = ref MemoryMarshal.GetReference(dest);
        ref float tr = ref MemoryMarshal.GetReference(total);
        int k = 0;
        for (; k + 8 <= n; k += 8)
        {
            var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref hr, (nuint)k), Vector256<float>.Zero);
            var v = Vector256.LoadUnsafe(ref or, (nuint)k) + (Vector256.LoadUnsafe(ref dr, (nuint)k) & mask);
            v.StoreUnsafe(ref or, (nuint)k);
            if (accumulate)
            {
                (Vector256.LoadUnsafe(ref tr, (nuint)k) + v).StoreUnsafe(ref tr, (nuint)k);
            }
        }
        for (; k < n; k++)
        {
            if (Unsafe.Add(ref hr, k) > 0f)
            {
                Unsafe.Add(ref or, k) += Unsafe.Add(ref dr, k);
            }
            if (accumulate)
            {
                Unsafe.Add(ref tr, k) += Unsafe.Add(ref or, k);
            }
        }
    }
}
