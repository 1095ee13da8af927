using FastWeights.Tensors;

namespace FastWeights.Autodiff;

/// <summary>
/// Numpy-style broadcasting of an operand to an output shape: expanding values forward and summing
/// gradients back. Fast paths for equal shapes, scalars and trailing-axes (row) broadcasts.
/// </summary>
internal static class Broadcast
{
    /// <summary>Writes <paramref name="src"/> broadcast to <paramref name="outShape"/> into <paramref name="dst"/>.</summary>
    public static void Expand(Tensor src, int[] outShape, Span<float> dst)
    {
        var s = src.Span;
        if (ShapeUtil.SameShape(src.Shape, outShape))
        {
            s.CopyTo(dst);
        }
        else if (src.Length == 1)
        {
            dst.Fill(s[0]);
        }
        else if (IsSuffix(src.Shape, outShape))
        {
            int inner = src.Length;
            for (int o = 0; o < dst.Length; o += inner)
            {
                s.CopyTo(dst.Slice(o, inner));
            }
        }
        else
        {
            var map = IndexMap(src.Shape, outShape);
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = s[map[i]];
            }
        }
    }

    /// <summary>Adds <paramref name="grad"/> (shaped <paramref name="outShape"/>) summed down to the shape of <paramref name="target"/> into <paramref name="target"/>'s gradient.</summary>
    public static void AccumulateReduced(ReadOnlySpan<float> grad, int[] outShape, Tensor target)
    {
        var g = target.EnsureGrad().Span;
        if (ShapeUtil.SameShape(target.Shape, outShape))
        {
            TensorPrimitives.Add(g, grad, g);
        }
        else if (target.Length == 1)
        {
            g[0] += SumDouble(grad);
        }
        else if (IsSuffix(target.Shape, outShape))
        {
            int inner = target.Length;
            for (int o = 0; o < grad.Length; o += inner)
            {
                TensorPrimitives.Add(g, grad.Slice(o, inner), g);
            }
        }
        else
        {
            var map = IndexMap(target.Shape, outShape);
            for (int i = 0; i < grad.Length; i++)
            {
                g[map[i]] += grad[i];
            }
        }
    }

    /// <summary>Sum in double precision, rounded once.</summary>
    public static float SumDouble(ReadOnlySpan<float> values)
    {
        double s = 0;
        foreach (float v in values)
        {
            s += v;
        }
        return (float)s;
    }

    // True when src, without leading ones, equals the trailing axes of out.
    private static bool IsSuffix(ReadOnlySpan<int> src, int[] outShape)
    {
        int lead = 0;
        while (lead < src.Length && src[lead] == 1)
        {
            lead++;
        }
        var core = src[lead..];
        if (core.Length > outShape.Length)
        {
            return false;
        }
        return core.SequenceEqual(outShape.AsSpan(outShape.Length - core.Length));
    }

    // For each flat output index, the flat index of the broadcast source element.
    private static int[] IndexMap(ReadOnlySpan<int> src, int[] outShape)
    {
        int rank = outShape.Length;
        var strides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int si = i - (rank - src.Length);
            int dim = si >= 0 ? src[si] : 1;
            strides[i] = dim == 1 ? 0 : stride;
            stride *= dim;
        }
        int total = ShapeUtil.Product(outShape);
        var map = new int[total];
        var idx = new int[rank];
        int flat = 0;
        for (int o = 0; o < total; o++)
        {
            map[o] = flat;
            for (int a = rank - 1; a >= 0; a--)
            {
                idx[a]++;
                flat += strides[a];
                if (idx[a] < outShape[a])
                {
                    break;
                }
                flat -= strides[a] * idx[a];
                idx[a] = 0;
            }
        }
        return map;
    }
}
