using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>Sum of all elements, as a scalar (accumulated in double).</summary>
    public static Tensor Sum(Tensor a) => SumAll(a, 1f);

    /// <summary>Mean of all elements, as a scalar.</summary>
    public static Tensor Mean(Tensor a) => SumAll(a, a.Length == 0 ? float.NaN : 1f / a.Length);

    private static Tensor SumAll(Tensor a, float scale)
    {
        var r = Tensor.Scalar(Broadcast.SumDouble(a.Span) * scale);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var g))
                {
                    TensorPrimitives.Add(ga, g[0] * scale, ga);
                }
            });
        }
        return r;
    }

    /// <summary>Sum along <paramref name="axis"/>; the axis is removed unless <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor a, int axis, bool keepDim = false) => ReduceAxis(a, axis, keepDim, mean: false);

    /// <summary>Mean along <paramref name="axis"/>; the axis is removed unless <paramref name="keepDim"/>.</summary>
    public static Tensor Mean(Tensor a, int axis, bool keepDim = false) => ReduceAxis(a, axis, keepDim, mean: true);

    private static Tensor ReduceAxis(Tensor a, int axis, bool keepDim, bool mean)
    {
        axis = NormalizeAxis(axis, a.Rank);
        int dim = a.Dim(axis);
        var (outer, inner) = OuterInner(a.Shape, axis);
        var shape = new List<int>(a.ShapeArray());
        if (keepDim)
        {
            shape[axis] = 1;
        }
        else
        {
            shape.RemoveAt(axis);
        }
        var r = Tensor.Zeros([.. shape]);
        float scale = mean ? 1f / dim : 1f;
        var src = a.Span;
        var dst = r.Span;
        for (int o = 0; o < outer; o++)
        {
            var d = dst.Slice(o * inner, inner);
            for (int j = 0; j < dim; j++)
            {
                TensorPrimitives.Add(d, src.Slice(((o * dim) + j) * inner, inner), d);
            }
            TensorPrimitives.Multiply(d, scale, d);
        }
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var gs))
                {
                    for (int o = 0; o < outer; o++)
                    {
                        var gi = gs.Slice(o * inner, inner);
                        for (int j = 0; j < dim; j++)
                        {
                            var d = ga.Slice(((o * dim) + j) * inner, inner);
                            TensorPrimitives.MultiplyAdd(gi, scale, d, d);
                        }
                    }
                }
            });
        }
        return r;
    }
}
