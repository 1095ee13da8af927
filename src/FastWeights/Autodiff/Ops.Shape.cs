using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>Reshape (one axis may be −1). Shares storage with <paramref name="a"/>; the gradient is reshaped back.</summary>
    public static Tensor Reshape(Tensor a, params int[] shape)
    {
        var r = a.View(shape);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var g))
                {
                    TensorPrimitives.Add(ga, g, ga);
                }
            });
        }
        return r;
    }

    /// <summary>Elements [<paramref name="start"/>, <paramref name="start"/>+<paramref name="length"/>) along <paramref name="axis"/> (a copy).</summary>
    public static Tensor Slice(Tensor a, int axis, int start, int length)
    {
        axis = NormalizeAxis(axis, a.Rank);
        int dim = a.Dim(axis);
        if (start < 0 || length < 0 || start + length > dim)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside axis {axis} of size {dim}.");
        }
        var (outer, inner) = OuterInner(a.Shape, axis);
        var shape = a.ShapeArray();
        shape[axis] = length;
        var r = Tensor.Zeros(shape);
        var src = a.Span;
        var dst = r.Span;
        int block = length * inner;
        for (int o = 0; o < outer; o++)
        {
            src.Slice((o * dim * inner) + (start * inner), block).CopyTo(dst.Slice(o * block, block));
        }
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var gs))
                {
                    for (int o = 0; o < outer; o++)
                    {
                        var dstRow = ga.Slice((o * dim * inner) + (start * inner), block);
                        TensorPrimitives.Add(dstRow, gs.Slice(o * block, block), dstRow);
                    }
                }
            });
        }
        return r;
    }

    /// <summary>Concatenation along <paramref name="axis"/>; all other axes must match.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("Concat needs at least one tensor.");
        }
        var first = parts[0];
        axis = NormalizeAxis(axis, first.Rank);
        int total = 0;
        foreach (var p in parts)
        {
            if (p.Rank != first.Rank)
            {
                throw new ArgumentException("Concat needs tensors of one rank.");
            }
            for (int i = 0; i < p.Rank; i++)
            {
                if (i != axis && p.Dim(i) != first.Dim(i))
                {
                    throw new ArgumentException($"Concat shapes {ShapeUtil.Format(first.Shape)} and {ShapeUtil.Format(p.Shape)} differ outside axis {axis}.");
                }
            }
            total += p.Dim(axis);
        }
        var (outer, inner) = OuterInner(first.Shape, axis);
        var shape = first.ShapeArray();
        shape[axis] = total;
        var r = Tensor.Zeros(shape);
        var dst = r.Span;
        int offset = 0;
        foreach (var p in parts)
        {
            int block = p.Dim(axis) * inner;
            var src = p.Span;
            for (int o = 0; o < outer; o++)
            {
                src.Slice(o * block, block).CopyTo(dst.Slice((o * total * inner) + offset, block));
            }
            offset += block;
        }
        var copy = parts.ToArray();
        if (Tape.ShouldRecord(copy))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                var gs = g.Span;
                int off = 0;
                foreach (var p in copy)
                {
                    int block = p.Dim(axis) * inner;
                    if (p.RequiresGrad)
                    {
                        var gp = p.EnsureGrad().Span;
                        for (int o = 0; o < outer; o++)
                        {
                            var d = gp.Slice(o * block, block);
                            TensorPrimitives.Add(d, gs.Slice((o * total * inner) + off, block), d);
                        }
                    }
                    off += block;
                }
            });
        }
        return r;
    }

    /// <summary>Swaps two axes (a copy).</summary>
    public static Tensor Transpose(Tensor a, int axis0, int axis1)
    {
        axis0 = NormalizeAxis(axis0, a.Rank);
        axis1 = NormalizeAxis(axis1, a.Rank);
        var shape = a.ShapeArray();
        (shape[axis0], shape[axis1]) = (shape[axis1], shape[axis0]);
        var r = Tensor.Zeros(shape);
        var map = TransposeMap(a.ShapeArray(), axis0, axis1);
        var src = a.Span;
        var dst = r.Span;
        for (int i = 0; i < map.Length; i++)
        {
            dst[map[i]] = src[i];
        }
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var gs))
                {
                    for (int i = 0; i < map.Length; i++)
                    {
                        ga[i] += gs[map[i]];
                    }
                }
            });
        }
        return r;
    }

    // For each flat index of the source, its flat index in the transposed result.
    private static int[] TransposeMap(int[] shape, int axis0, int axis1)
    {
        int rank = shape.Length;
        var outShape = (int[])shape.Clone();
        (outShape[axis0], outShape[axis1]) = (outShape[axis1], outShape[axis0]);
        var outStrides = new int[rank];
        int s = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            outStrides[i] = s;
            s *= outShape[i];
        }
        (outStrides[axis0], outStrides[axis1]) = (outStrides[axis1], outStrides[axis0]);
        int total = ShapeUtil.Product(shape);
        var map = new int[total];
        var idx = new int[rank];
        int flat = 0;
        for (int i = 0; i < total; i++)
        {
            map[i] = flat;
            for (int a = rank - 1; a >= 0; a--)
            {
                idx[a]++;
                flat += outStrides[a];
                if (idx[a] < shape[a])
                {
                    break;
                }
                flat -= outStrides[a] * idx[a];
                idx[a] = 0;
            }
        }
        return map;
    }

    private static int NormalizeAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for rank {rank}.");
        }
        return a;
    }

    private static (int Outer, int Inner) OuterInner(ReadOnlySpan<int> shape, int axis) =>
        (ShapeUtil.Product(shape[..axis]), ShapeUtil.Product(shape[(axis + 1)..]));
}
