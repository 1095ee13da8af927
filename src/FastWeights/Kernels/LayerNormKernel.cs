using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastWeights.Kernels;

/// <summary>
/// Layer normalisation of one row (Ba, Kiros, Hinton 2016): x̂ = (x − μ)/√(σ² + ε) with μ and the biased σ² over
/// the row, y = g ⊙ x̂ + β; backward dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)) with dx̂ = g ⊙ dy,
/// dg += dy ⊙ x̂, dβ += dy. Every layer norm of the library runs on these rows, in one of two summation orders
/// that the recorded runs pin (they differ in the last bits, so neither may replace the other):
/// <list type="bullet">
/// <item><description>pass by pass with <see cref="TensorPrimitives"/> reductions (<see cref="Normalize"/>,
/// <see cref="NormalizeAffine"/>, <see cref="InputGradient{TStore}"/>, <see cref="AccumulateParameterGradients{TMultiplyAdd}"/>):
/// <c>Ops.LayerNorm</c>, the GRU-LN kernel, streaming inference;</description></item>
/// <item><description>fused, with 8-lane <see cref="Vector256"/> partial sums and the ReLU folded in
/// (<see cref="FusedNormalizeRelu"/>, <see cref="FusedReluBackward"/>, <see cref="FusedBackward"/>): the
/// fast-weights RNN.</description></item>
/// </list>
/// </summary>
internal static class LayerNormKernel
{
    /// <summary>
    /// x̂ = (x − μ)/√(σ² + ε) (σ² biased) into <paramref name="normalized"/> (which may be <paramref name="x"/>);
    /// returns 1/√(σ² + ε). Pass by pass: Σx, x − μ, Σ(x − μ)², scale.
    /// </summary>
    public static float Normalize(ReadOnlySpan<float> x, float epsilon, Span<float> normalized)
    {
        int n = x.Length;
        float mean = TensorPrimitives.Sum(x) / n;
        TensorPrimitives.Subtract(x, mean, normalized);
        float variance = TensorPrimitives.SumOfSquares(normalized[..n]) / n;
        float rstd = 1f / MathF.Sqrt(variance + epsilon);
        TensorPrimitives.Multiply(normalized[..n], rstd, normalized);
        return rstd;
    }

    /// <summary>y = g ⊙ x̂ + β (one fused multiply-add per element) after <see cref="Normalize"/>; y may be x.</summary>
    public static void NormalizeAffine(ReadOnlySpan<float> x, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, float epsilon, Span<float> y)
    {
        Normalize(x, epsilon, y);
        TensorPrimitives.FusedMultiplyAdd(y[..x.Length], gain, bias, y);
    }

    /// <summary>
    /// dg += dy ⊙ x̂ (with <typeparamref name="TMultiplyAdd"/>'s rounding) and dβ += dy; an empty span skips that gradient.
    /// </summary>
    public static void AccumulateParameterGradients<TMultiplyAdd>(ReadOnlySpan<float> dy, ReadOnlySpan<float> normalized, Span<float> dGain, Span<float> dBias)
        where TMultiplyAdd : struct, IMultiplyAdd
    {
        if (!dGain.IsEmpty)
        {
            TMultiplyAdd.Apply(dy, normalized, dGain, dGain);
        }
        if (!dBias.IsEmpty)
        {
            TensorPrimitives.Add(dy, dBias, dBias);
        }
    }

    /// <summary>
    /// dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)) with dx̂ = g ⊙ dy (dy itself when <paramref name="gain"/> is
    /// empty) formed in <paramref name="dNormalized"/>, which may be <paramref name="dx"/>; <typeparamref name="TStore"/>
    /// writes or accumulates dx.
    /// </summary>
    public static void InputGradient<TStore>(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> normalized, ReadOnlySpan<float> gain, float rstd,
        Span<float> dNormalized, Span<float> dx)
        where TStore : struct, IGradientStore
    {
        int n = dy.Length;
        var dn = dNormalized[..n];
        if (gain.IsEmpty)
        {
            dy.CopyTo(dn);
        }
        else
        {
            TensorPrimitives.Multiply(dy, gain, dn);
        }
        float meanDn = TensorPrimitives.Sum(dn) / n;
        float meanDnN = TensorPrimitives.Dot(dn, normalized) / n;
        for (int i = 0; i < n; i++)
        {
            TStore.Store(ref dx[i], rstd * (dn[i] - meanDn - (normalized[i] * meanDnN)));
        }
    }

    /// <summary>How <see cref="AccumulateParameterGradients{TMultiplyAdd}"/> forms dg + dy ⊙ x̂.</summary>
    public interface IMultiplyAdd
    {
        /// <summary>destination = x ⊙ y + addend.</summary>
        static abstract void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> addend, Span<float> destination);
    }

    /// <summary>One rounding: fma(x, y, addend).</summary>
    public readonly struct FusedMultiplyAdd : IMultiplyAdd
    {
        /// <inheritdoc />
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> addend, Span<float> destination) =>
            TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
    }

    /// <summary>Two roundings: (x·y) + addend.</summary>
    public readonly struct RoundedMultiplyAdd : IMultiplyAdd
    {
        /// <inheritdoc />
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> addend, Span<float> destination) =>
            TensorPrimitives.MultiplyAdd(x, y, addend, destination);
    }

    /// <summary>How <see cref="InputGradient{TStore}"/> stores each dx element.</summary>
    public interface IGradientStore
    {
        /// <summary>Stores <paramref name="value"/> into <paramref name="target"/>.</summary>
        static abstract void Store(ref float target, float value);
    }

    /// <summary>target = value.</summary>
    public readonly struct Overwrite : IGradientStore
    {
        /// <inheritdoc />
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(ref float target, float value) => target = value;
    }

    /// <summary>target += value.</summary>
    public readonly struct Accumulate : IGradientStore
    {
        /// <inheritdoc />
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(ref float target, float value) => target += value;
    }

    /// <summary>
    /// Layer normalization of one example followed by ReLU: n = (z − mean)/sqrt(var + eps), h = max(0, g⊙n + β)
    /// (g = 1, β = 0 when empty). Writes n and returns rstd = 1/sqrt(var + eps). Three fused passes over z.
    /// </summary>
    public static float FusedNormalizeRelu(ReadOnlySpan<float> z, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, float epsilon, Span<float> normalized, Span<float> h)
    {
        int n = z.Length;
        if (normalized.Length < n || h.Length < n || (!gain.IsEmpty && gain.Length < n) || (!bias.IsEmpty && bias.Length < n))
        {
            throw new ArgumentException("FusedNormalizeRelu: span too short.");
        }
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float nr = ref MemoryMarshal.GetReference(normalized);
        ref float hr = ref MemoryMarshal.GetReference(h);
        int k = 0;
        var acc = Vector256<float>.Zero;
        for (; k + 8 <= n; k += 8)
        {
            acc += Vector256.LoadUnsafe(ref zr, (nuint)k);
        }
        float sum = Vector256.Sum(acc);
        for (; k < n; k++)
        {
            sum += Unsafe.Add(ref zr, k);
        }
        float mean = sum / n;
        var meanV = Vector256.Create(mean);
        acc = Vector256<float>.Zero;
        k = 0;
        for (; k + 8 <= n; k += 8)
        {
            var d = Vector256.LoadUnsafe(ref zr, (nuint)k) - meanV;
            d.StoreUnsafe(ref nr, (nuint)k);
            acc = Vector256.FusedMultiplyAdd(d, d, acc);
        }
        float squares = Vector256.Sum(acc);
        for (; k < n; k++)
        {
            float d = Unsafe.Add(ref zr, k) - mean;
            Unsafe.Add(ref nr, k) = d;
            squares += d * d;
        }
        float rstd = 1f / MathF.Sqrt((squares / n) + epsilon);
        bool hasGain = !gain.IsEmpty, hasBias = !bias.IsEmpty;
        ref float gr = ref MemoryMarshal.GetReference(gain);
        ref float br = ref MemoryMarshal.GetReference(bias);
        var rstdV = Vector256.Create(rstd);
        k = 0;
        for (; k + 8 <= n; k += 8)
        {
            var v = Vector256.LoadUnsafe(ref nr, (nuint)k) * rstdV;
            v.StoreUnsafe(ref nr, (nuint)k);
            var y = hasGain ? v * Vector256.LoadUnsafe(ref gr, (nuint)k) : v;
            if (hasBias)
            {
                y += Vector256.LoadUnsafe(ref br, (nuint)k);
            }
            Vector256.Max(y, Vector256<float>.Zero).StoreUnsafe(ref hr, (nuint)k);
        }
        for (; k < n; k++)
        {
            float v = Unsafe.Add(ref nr, k) * rstd;
            Unsafe.Add(ref nr, k) = v;
            float y = hasGain ? v * Unsafe.Add(ref gr, k) : v;
            if (hasBias)
            {
                y += Unsafe.Add(ref br, k);
            }
            Unsafe.Add(ref hr, k) = MathF.Max(y, 0f);
        }
        return rstd;
    }

    /// <summary>
    /// Backward of h = max(0, g⊙n + β) through the ReLU and the layer norm in one call: dy = d where h &gt; 0, else 0,
    /// then as <see cref="FusedBackward"/> (the mask is applied in its first pass). <paramref name="dz"/> may alias
    /// <paramref name="d"/>.
    /// </summary>
    public static void FusedReluBackward(ReadOnlySpan<float> d, ReadOnlySpan<float> h, ReadOnlySpan<float> normalized, float rstd, ReadOnlySpan<float> gain, Span<float> dGain, Span<float> dBias, Span<float> dz) =>
        FusedMaskedBackward(d, h, normalized, rstd, gain, dGain, dBias, dz);

    /// <summary>
    /// Backward of layer normalization given dy = dL/d(g⊙n + β): accumulates dg += dy⊙n and dβ += dy (when those
    /// spans are not empty) and writes dz = rstd·(dn − mean(dn) − n·mean(dn⊙n)) with dn = g⊙dy. <paramref name="dz"/>
    /// may alias <paramref name="dy"/>. Two fused passes.
    /// </summary>
    public static void FusedBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> normalized, float rstd, ReadOnlySpan<float> gain, Span<float> dGain, Span<float> dBias, Span<float> dz) =>
        FusedMaskedBackward(dy, default, normalized, rstd, gain, dGain, dBias, dz);

    /// <summary>Layer-norm backward with an optional ReLU mask: dy[k] counts only where mask[k] &gt; 0 (no mask when empty).</summary>
    private static void FusedMaskedBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, ReadOnlySpan<float> normalized, float rstd, ReadOnlySpan<float> gain, Span<float> dGain, Span<float> dBias, Span<float> dz)
    {
        int n = dy.Length;
        if (!mask.IsEmpty && mask.Length < n)
        {
            throw new ArgumentException("FusedBackward: span too short.");
        }
        bool masked = !mask.IsEmpty;
        ref float mkr = ref MemoryMarshal.GetReference(mask);
        if (normalized.Length < n || dz.Length < n || (!gain.IsEmpty && gain.Length < n) || (!dGain.IsEmpty && dGain.Length < n) || (!dBias.IsEmpty && dBias.Length < n))
        {
            throw new ArgumentException("FusedBackward: span too short.");
        }
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float nr = ref MemoryMarshal.GetReference(normalized);
        ref float gr = ref MemoryMarshal.GetReference(gain);
        ref float dgr = ref MemoryMarshal.GetReference(dGain);
        ref float dbr = ref MemoryMarshal.GetReference(dBias);
        ref float dzr = ref MemoryMarshal.GetReference(dz);
        bool hasGain = !gain.IsEmpty, wantG = !dGain.IsEmpty, wantB = !dBias.IsEmpty;
        // Pass 1: parameter gradients, dn = g⊙dy (into dz), Σ dn and Σ dn⊙n.
        var sumV = Vector256<float>.Zero;
        var dotV = Vector256<float>.Zero;
        int k = 0;
        for (; k + 8 <= n; k += 8)
        {
            var d = Vector256.LoadUnsafe(ref dyr, (nuint)k);
            if (masked)
            {
                d &= Vector256.GreaterThan(Vector256.LoadUnsafe(ref mkr, (nuint)k), Vector256<float>.Zero);
            }
            var x = Vector256.LoadUnsafe(ref nr, (nuint)k);
            if (wantG)
            {
                Vector256.FusedMultiplyAdd(d, x, Vector256.LoadUnsafe(ref dgr, (nuint)k)).StoreUnsafe(ref dgr, (nuint)k);
            }
            if (wantB)
            {
                (Vector256.LoadUnsafe(ref dbr, (nuint)k) + d).StoreUnsafe(ref dbr, (nuint)k);
            }
            var dn = hasGain ? d * Vector256.LoadUnsafe(ref gr, (nuint)k) : d;
            dn.StoreUnsafe(ref dzr, (nuint)k);
            sumV += dn;
            dotV = Vector256.FusedMultiplyAdd(dn, x, dotV);
        }
        float sum = Vector256.Sum(sumV), dot = Vector256.Sum(dotV);
        for (; k < n; k++)
        {
            float d = masked && !(Unsafe.Add(ref mkr, k) > 0f) ? 0f : Unsafe.Add(ref dyr, k);
            float x = Unsafe.Add(ref nr, k);
            if (wantG)
            {
                Unsafe.Add(ref dgr, k) += d * x;
            }
            if (wantB)
            {
                Unsafe.Add(ref dbr, k) += d;
            }
            float dn = hasGain ? d * Unsafe.Add(ref gr, k) : d;
            Unsafe.Add(ref dzr, k) = dn;
            sum += dn;
            dot += dn * x;
        }
        float meanDn = sum / n, meanDnN = dot / n;
        // Pass 2: dz = rstd·(dn − meanDn − n·meanDnN).
        var meanV = Vector256.Create(meanDn);
        var meanNV = Vector256.Create(meanDnN);
        var rstdV = Vector256.Create(rstd);
        k = 0;
        for (; k + 8 <= n; k += 8)
        {
            var dn = Vector256.LoadUnsafe(ref dzr, (nuint)k);
            var x = Vector256.LoadUnsafe(ref nr, (nuint)k);
            ((dn - meanV - (x * meanNV)) * rstdV).StoreUnsafe(ref dzr, (nuint)k);
        }
        for (; k < n; k++)
        {
            float dn = Unsafe.Add(ref dzr, k);
            Unsafe.Add(ref dzr, k) = (dn - meanDn - (Unsafe.Add(ref nr, k) * meanDnN)) * rstd;
        }
    }
}
