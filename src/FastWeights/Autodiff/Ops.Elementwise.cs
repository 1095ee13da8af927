using FastWeights.Tensors;

namespace FastWeights.Autodiff;

/// <summary>
/// Differentiable primitive ops. Each computes its output and, when an input requires a gradient and grad
/// mode is on, records its backward pass on the thread's <see cref="Tape"/>. Forward and backward sit side by side.
/// </summary>
public static partial class Ops
{
    /// <summary>a + b with numpy broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Broadcasting<AddOp>(a, b);

    /// <summary>a − b with numpy broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => Broadcasting<SubOp>(a, b);

    /// <summary>a ⊙ b (elementwise product) with numpy broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Broadcasting<MulOp>(a, b);

    /// <summary>a / b (elementwise) with numpy broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b) => Broadcasting<DivOp>(a, b);

    /// <summary>s · a for a constant s.</summary>
    public static Tensor Scale(Tensor a, float s)
    {
        var r = Tensor.ZerosLike(a);
        TensorPrimitives.Multiply(a.Span, s, r.Span);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var g))
                {
                    TensorPrimitives.MultiplyAdd(g, s, ga, ga);
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
                if (Tape.TryGetGradients(r, a, out var ga, out var g))
                {
                    TensorPrimitives.Add(ga, g, ga);
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

    /// <summary>
    /// r = a ∘ b elementwise with numpy broadcasting (both operands expanded to the broadcast shape), recorded with
    /// <typeparamref name="TOp"/>'s backward pass, which reduces each operand's gradient back to its own shape.
    /// </summary>
    private static Tensor Broadcasting<TOp>(Tensor a, Tensor b)
        where TOp : struct, IBroadcastingOp
    {
        var (x, y, shape) = Operands(a, b);
        var r = new Tensor(TensorArena.Allocate(ShapeUtil.Product(shape)), 0, shape);
        TOp.Forward(x, y, r.Span);
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is { } g)
                {
                    TOp.Backward(a, b, x, y, r, g.Span, shape);
                }
            });
        }
        return r;
    }

    /// <summary>A binary elementwise op under broadcasting: forward on the expanded operands and its backward pass.</summary>
    private interface IBroadcastingOp
    {
        /// <summary>r = x ∘ y (x, y already expanded to the broadcast shape).</summary>
        static abstract void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> r);

        /// <summary>Accumulates dL/da and dL/db from g = dL/dr (only for the operands that need it).</summary>
        static abstract void Backward(Tensor a, Tensor b, float[] x, float[] y, Tensor r, ReadOnlySpan<float> g, int[] shape);
    }

    private readonly struct AddOp : IBroadcastingOp
    {
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> r) => TensorPrimitives.Add(x, y, r);

        public static void Backward(Tensor a, Tensor b, float[] x, float[] y, Tensor r, ReadOnlySpan<float> g, int[] shape)
        {
            AccumulateIfNeeded(a, g, shape);
            AccumulateIfNeeded(b, g, shape);
        }
    }

    private readonly struct SubOp : IBroadcastingOp
    {
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> r) => TensorPrimitives.Subtract(x, y, r);

        public static void Backward(Tensor a, Tensor b, float[] x, float[] y, Tensor r, ReadOnlySpan<float> g, int[] shape)
        {
            AccumulateIfNeeded(a, g, shape);
            if (b.RequiresGrad)
            {
                var neg = TensorArena.Allocate(g.Length);
                TensorPrimitives.Negate(g, neg);
                Broadcast.AccumulateReduced(neg, shape, b);
            }
        }
    }

    private readonly struct MulOp : IBroadcastingOp
    {
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> r) => TensorPrimitives.Multiply(x, y, r);

        public static void Backward(Tensor a, Tensor b, float[] x, float[] y, Tensor r, ReadOnlySpan<float> g, int[] shape)
        {
            var tmp = TensorArena.Allocate(g.Length);
            if (a.RequiresGrad)
            {
                TensorPrimitives.Multiply(g, y, tmp); // ∂(xy)/∂x = y
                Broadcast.AccumulateReduced(tmp, shape, a);
            }
            if (b.RequiresGrad)
            {
                TensorPrimitives.Multiply(g, x, tmp); // ∂(xy)/∂y = x
                Broadcast.AccumulateReduced(tmp, shape, b);
            }
        }
    }

    private readonly struct DivOp : IBroadcastingOp
    {
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> r) => TensorPrimitives.Divide(x, y, r);

        public static void Backward(Tensor a, Tensor b, float[] x, float[] y, Tensor r, ReadOnlySpan<float> g, int[] shape)
        {
            var tmp = TensorArena.Allocate(g.Length);
            if (a.RequiresGrad)
            {
                TensorPrimitives.Divide(g, y, tmp); // ∂(x/y)/∂x = 1/y
                Broadcast.AccumulateReduced(tmp, shape, a);
            }
            if (b.RequiresGrad)
            {
                // ∂(x/y)/∂y = −x/y² = −r/y
                TensorPrimitives.Multiply(g, r.Span, tmp);
                TensorPrimitives.Divide(tmp, y, tmp);
                TensorPrimitives.Negate(tmp, tmp);
                Broadcast.AccumulateReduced(tmp, shape, b);
            }
        }
    }
}
