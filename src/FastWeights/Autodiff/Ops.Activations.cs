using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>max(0, x).</summary>
    public static Tensor Relu(Tensor a) => ElementwiseOfOutput<ReluOp>(a);

    /// <summary>tanh(x).</summary>
    public static Tensor Tanh(Tensor a) => ElementwiseOfOutput<TanhOp>(a);

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    public static Tensor Sigmoid(Tensor a) => ElementwiseOfOutput<SigmoidOp>(a);

    /// <summary>softplus(x) = log(1 + eˣ) (x itself above 20, as PyTorch's threshold); its derivative is σ(x) = 1 − e^−y.</summary>
    public static Tensor Softplus(Tensor a) => ElementwiseOfOutput<SoftplusOp>(a);

    /// <summary>e^x.</summary>
    public static Tensor Exp(Tensor a)
    {
        var r = Tensor.ZerosLike(a);
        TensorPrimitives.Exp(a.Span, r.Span);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var g))
                {
                    TensorPrimitives.MultiplyAdd(g, r.Span, ga, ga); // ∂e^x/∂x = e^x
                }
            });
        }
        return r;
    }

    /// <summary>Natural logarithm.</summary>
    public static Tensor Log(Tensor a)
    {
        var r = Tensor.ZerosLike(a);
        TensorPrimitives.Log(a.Span, r.Span);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                var tmp = TensorArena.Allocate(g.Length);
                TensorPrimitives.Divide(g.Span, a.Span, tmp); // ∂log x/∂x = 1/x
                var ga = a.EnsureGrad().Span;
                TensorPrimitives.Add(ga, tmp, ga);
            });
        }
        return r;
    }

    /// <summary>Softmax over the last axis.</summary>
    public static Tensor Softmax(Tensor a) => RowwiseOfOutput<SoftmaxOp>(a);

    /// <summary>log softmax over the last axis (computed stably).</summary>
    public static Tensor LogSoftmax(Tensor a) => RowwiseOfOutput<LogSoftmaxOp>(a);

    /// <summary>log softmax of one row: x − max − log Σ e^(x − max).</summary>
    internal static void LogSoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length == 0)
        {
            return;
        }
        float max = TensorPrimitives.Max(x);
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += Math.Exp(x[i] - max);
        }
        float lse = max + (float)Math.Log(sum);
        TensorPrimitives.Subtract(x, lse, y);
    }

    /// <summary>
    /// y = f(x) elementwise for an f whose derivative is a function of its output y, recorded with the backward
    /// pass dx += <typeparamref name="TOp"/>.AccumulateGrad(dy, y) element by element.
    /// </summary>
    private static Tensor ElementwiseOfOutput<TOp>(Tensor a)
        where TOp : struct, IElementwiseOfOutput
    {
        var r = Tensor.ZerosLike(a);
        TOp.Forward(a.Span, r.Span);
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var gs))
                {
                    var y = r.Span;
                    for (int i = 0; i < ga.Length; i++)
                    {
                        TOp.AccumulateGrad(ref ga[i], gs[i], y[i]);
                    }
                }
            });
        }
        return r;
    }

    /// <summary>An elementwise function whose derivative is written through its output.</summary>
    private interface IElementwiseOfOutput
    {
        /// <summary>y = f(x).</summary>
        static abstract void Forward(ReadOnlySpan<float> x, Span<float> y);

        /// <summary>dx += dy · f′ given y = f(x).</summary>
        static abstract void AccumulateGrad(ref float dx, float dy, float y);
    }

    private readonly struct ReluOp : IElementwiseOfOutput
    {
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

        // ∂relu/∂x = 1 where x > 0 (nothing is added elsewhere).
        public static void AccumulateGrad(ref float dx, float dy, float y)
        {
            if (y > 0f)
            {
                dx += dy;
            }
        }
    }

    private readonly struct TanhOp : IElementwiseOfOutput
    {
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

        // ∂tanh/∂x = 1 − y²
        public static void AccumulateGrad(ref float dx, float dy, float y) => dx += dy * (1f - (y * y));
    }

    private readonly struct SigmoidOp : IElementwiseOfOutput
    {
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);

        // ∂σ/∂x = y(1 − y)
        public static void AccumulateGrad(ref float dx, float dy, float y) => dx += dy * y * (1f - y);
    }

    private readonly struct SoftplusOp : IElementwiseOfOutput
    {
        /// <summary>Above this input, softplus(x) = x to float precision (PyTorch's and fla's threshold).</summary>
        public const float Threshold = 20f;

        public static void Forward(ReadOnlySpan<float> x, Span<float> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = Value(x[i]);
            }
        }

        // ∂softplus/∂x = σ(x) = 1 − e^−y
        public static void AccumulateGrad(ref float dx, float dy, float y) => dx += dy * -float.ExpM1(-y);

        public static float Value(float x) => x > Threshold ? x : float.LogP1(MathF.Exp(x));
    }

    /// <summary>softplus(x) of one value, as <see cref="Softplus"/> computes it (for the streaming step).</summary>
    internal static float SoftplusValue(float x) => SoftplusOp.Value(x);

    /// <summary>
    /// y = f(x) row by row over the last axis for an f whose gradient is written through its output, recorded with
    /// the backward pass <typeparamref name="TOp"/>.AccumulateGrad per row.
    /// </summary>
    private static Tensor RowwiseOfOutput<TOp>(Tensor a)
        where TOp : struct, IRowwiseOfOutput
    {
        int n = a.Dim(-1);
        var r = Tensor.ZerosLike(a);
        var x = a.Span;
        var y = r.Span;
        for (int o = 0; o < a.Length; o += n)
        {
            TOp.Forward(x.Slice(o, n), y.Slice(o, n));
        }
        if (Tape.ShouldRecord(a))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, a, out var ga, out var gs))
                {
                    var ys = r.Span;
                    for (int o = 0; o < ga.Length; o += n)
                    {
                        TOp.AccumulateGrad(gs.Slice(o, n), ys.Slice(o, n), ga.Slice(o, n));
                    }
                }
            });
        }
        return r;
    }

    /// <summary>A function of one row whose gradient is written through its output.</summary>
    private interface IRowwiseOfOutput
    {
        /// <summary>y = f(x) for one row.</summary>
        static abstract void Forward(ReadOnlySpan<float> x, Span<float> y);

        /// <summary>dx += J_fᵀ dy for one row, given y = f(x).</summary>
        static abstract void AccumulateGrad(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Span<float> dx);
    }

    private readonly struct SoftmaxOp : IRowwiseOfOutput
    {
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.SoftMax(x, y);

        // dx = y ⊙ (g − ⟨g, y⟩)
        public static void AccumulateGrad(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Span<float> dx)
        {
            float dot = TensorPrimitives.Dot(dy, y);
            for (int i = 0; i < dx.Length; i++)
            {
                dx[i] += y[i] * (dy[i] - dot);
            }
        }
    }

    private readonly struct LogSoftmaxOp : IRowwiseOfOutput
    {
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => LogSoftmaxRow(x, y);

        // dx = g − softmax ⊙ Σg
        public static void AccumulateGrad(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Span<float> dx)
        {
            float sum = TensorPrimitives.Sum(dy);
            for (int i = 0; i < dx.Length; i++)
            {
                dx[i] += dy[i] - (MathF.Exp(y[i]) * sum);
            }
        }
    }
}
