using FastWeights.Tensors;

namespace FastWeights.Autodiff;

/// <summary>
/// Differentiable primitive ops. Each computes its output and, when an input requires a gradient and grad
/// mode is on, records its backward pass on the thread's <see cref="Tape"/>. Forward and backward sit side by side.
/// </summary>
public static partial class Ops
{
    /// <summary>a + b with numpy broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        var (x, y, shape) = Operands(a, b);
        var r = new Tensor(TensorArena.Allocate(ShapeUtil.Product(shape)), 0, shape);
        TensorPrimitives.Add(x, y, r.Span);
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                AccumulateIfNeeded(a, g.Span, shape);
                AccumulateIfNeeded(b, g.Span, shape);
            });
        }
        return r;
    }

    /// <summary>a − b with numpy broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b)
    {
        var (x, y, shape) = Operands(a, b);
        var r = new Tensor(TensorArena.Allocate(ShapeUtil.Product(shape)), 0, shape);
        TensorPrimitives.Subtract(x, y, r.Span);
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                AccumulateIfNeeded(a, g.Span, shape);
                if (b.RequiresGrad)
                {
                    var neg = TensorArena.Allocate(g.Length);
                    TensorPrimitives.Negate(g.Span, neg);
                    Broadcast.AccumulateReduced(neg, shape, b);
                }
            });
        }
        return r;
    }

    /// <summary>a ⊙ b (elementwise product) with numpy broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b)
    {
        var (x, y, shape) = Operands(a, b);
        var r = new Tensor(TensorArena.Allocate(ShapeUtil.Product(shape)), 0, shape);
        TensorPrimitives.Multiply(x, y, r.Span);
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                var tmp = TensorArena.Allocate(g.Length);
                if (a.RequiresGrad)
                {
                    TensorPrimitives.Multiply(g.Span, y, tmp); // ∂(xy)/∂x = y
                    Broadcast.AccumulateReduced(tmp, shape, a);
                }
                if (b.RequiresGrad)
                {
                    TensorPrimitives.Multiply(g.Span, x, tmp); // ∂(xy)/∂y = x
                    Broadcast.AccumulateReduced(tmp, shape, b);
                }
            });
        }
        return r;
    }

    /// <summary>a / b (elementwise) with numpy broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b)
    {
        var (x, y, shape) = Operands(a, b);
        var r = new Tensor(TensorArena.Allocate(ShapeUtil.Product(shape)), 0, shape);
        TensorPrimitives.Divide(x, y, r.Span);
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                var tmp = TensorArena.Allocate(g.Length);
                if (a.RequiresGrad)
                {
                    TensorPrimitives.Divide(g.Span, y, tmp); // ∂(x/y)/∂x = 1/y
                    Broadcast.AccumulateReduced(tmp, shape, a);
                }
                if (b.RequiresGrad)
                {
                    // ∂(x/y)/∂y = −x/y² = −r/y
                    TensorPrimitives.Multiply(g.Span, r.Span, tmp);
                    TensorPrimitives.Divide(tmp, y, tmp);
                    TensorPrimitives.Negate(tmp, tmp);
                    Broadcast.AccumulateReduced(tmp, shape, b);
                }
            });
        }
        return r;
    }

    /// <summary>s · a for a constant s.</summary>
    public static Tensor Scale(Tensor a, float s)
    {
        var r = Tensor.ZerosLike(a);
        TensorPrimitives.Multiply(a.Span, s, r.Span);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is { } g)
                {
                    var ga = a.EnsureGrad().Span;
                    TensorPrimitives.MultiplyAdd(g.Span, s, ga, ga);
                }
            });
        }
        return r;
    }

    /// <summary>a + c for a constant c.</summary>
    public static Tensor AddScalar(Tensor a, float c)
    {
        var r = Tensor.ZerosLike(a);
        TensorPrimitives.Add(a.Span, c, r.Span);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is { } g)
                {
                    var ga = a.EnsureGrad().Span;
                    TensorPrimitives.Add(ga, g.Span, ga);
                }
            });
        }
        return r;
    }

    // Both operands expanded to the broadcast shape (no copy when the shapes already match).
    private static (float[] X, float[] Y, int[] Shape) Operands(Tensor a, Tensor b)
    {
        var shape = ShapeUtil.Broadcast(a.Shape, b.Shape);
        int n = ShapeUtil.Product(shape);
        return (ExpandTo(a, shape, n), ExpandTo(b, shape, n), shape);
    }

    private static float[] ExpandTo(Tensor t, int[] shape, int n)
    {
        if (t.Offset == 0 && t.Storage.Length == n && ShapeUtil.SameShape(t.Shape, shape))
        {
            return t.Storage;
        }
        var buf = TensorArena.Allocate(n);
        Broadcast.Expand(t, shape, buf);
        return buf;
    }

    private static void AccumulateIfNeeded(Tensor t, ReadOnlySpan<float> grad, int[] shape)
    {
        if (t.RequiresGrad)
        {
            Broadcast.AccumulateReduced(grad, shape, t);
        }
    }
}
