using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Matrix product op(a)·op(b). <paramref name="a"/> is m×k (k×m with <paramref name="transA"/>),
    /// <paramref name="b"/> is k×n (n×k with <paramref name="transB"/>). Without <paramref name="transA"/>,
    /// <paramref name="a"/> may have more leading axes, which are treated as rows: [..., k]·[k, n] → [..., n].
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        if (b.Rank != 2 || a.Rank < 2 || (transA && a.Rank != 2))
        {
            throw new ArgumentException($"MatMul needs matrices (a may have extra leading axes when not transposed), got {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)}.");
        }
        int k = transA ? a.Dim(0) : a.Dim(-1);
        int m = transA ? a.Dim(1) : a.Length / Math.Max(1, k);
        if (!transA && k == 0)
        {
            m = ShapeUtil.Product(a.Shape[..^1]);
        }
        int kb = transB ? b.Dim(1) : b.Dim(0);
        int n = transB ? b.Dim(0) : b.Dim(1);
        if (k != kb)
        {
            throw new ArgumentException($"MatMul inner sizes differ: {ShapeUtil.Format(a.Shape)}{(transA ? "ᵀ" : string.Empty)} · {ShapeUtil.Format(b.Shape)}{(transB ? "ᵀ" : string.Empty)}.");
        }
        int[] outShape;
        if (transA)
        {
            outShape = [m, n];
        }
        else
        {
            outShape = a.ShapeArray();
            outShape[^1] = n;
        }
        var r = new Tensor(TensorArena.Allocate(m * n), 0, outShape);
        int lda = a.Dim(-1), ldb = b.Dim(1);
        Gemm.Multiply(transA, transB, m, n, k, 1f, a.Span, lda, b.Span, ldb, 0f, r.Span, n);
        if (Tape.ShouldRecord(a, b))
        {
            // One product: the batched backward with a batch of one (each product as alone).
            RecordMatMulBackward(a, b, r, 1, transA, transB, m, n, k, lda, ldb, 0, 0, 0);
        }
        return r;
    }

    /// <summary>
    /// Batched matrix product over matching leading axes: a [..., m, k] (or [..., k, m] with
    /// <paramref name="transA"/>) times b [..., k, n] (or [..., n, k] with <paramref name="transB"/>) → [..., m, n].
    /// </summary>
    public static Tensor BatchedMatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        if (a.Rank < 3 || a.Rank != b.Rank || !a.Shape[..^2].SequenceEqual(b.Shape[..^2]))
        {
            throw new ArgumentException($"BatchedMatMul needs tensors of the same rank ≥ 3 with equal leading axes, got {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)}.");
        }
        int batch = ShapeUtil.Product(a.Shape[..^2]);
        int m = transA ? a.Dim(-1) : a.Dim(-2);
        int k = transA ? a.Dim(-2) : a.Dim(-1);
        int kb = transB ? b.Dim(-1) : b.Dim(-2);
        int n = transB ? b.Dim(-2) : b.Dim(-1);
        if (k != kb)
        {
            throw new ArgumentException($"BatchedMatMul inner sizes differ: {ShapeUtil.Format(a.Shape)} · {ShapeUtil.Format(b.Shape)}.");
        }
        var outShape = a.ShapeArray();
        outShape[^2] = m;
        outShape[^1] = n;
        var r = new Tensor(TensorArena.Allocate(batch * m * n), 0, outShape);
        int lda = a.Dim(-1), ldb = b.Dim(-1);
        int sa = a.Dim(-2) * lda, sb = b.Dim(-2) * ldb, sc = m * n;
        Gemm.MultiplyBatched(batch, transA, transB, m, n, k, 1f, a.Span, lda, sa, b.Span, ldb, sb, 0f, r.Span, n, sc);
        if (Tape.ShouldRecord(a, b))
        {
            RecordMatMulBackward(a, b, r, batch, transA, transB, m, n, k, lda, ldb, sa, sb, sc);
        }
        return r;
    }

    /// <summary>
    /// Records the backward pass of C = op(A)·op(B) for a batch of products at strides <paramref name="sa"/>,
    /// <paramref name="sb"/>, <paramref name="sc"/>: dA += G·op(B)ᵀ (or op(B)·Gᵀ when A is stored transposed) and
    /// dB += op(A)ᵀ·G (or Gᵀ·op(A) when B is stored transposed), per product.
    /// </summary>
    private static void RecordMatMulBackward(Tensor a, Tensor b, Tensor r, int batch, bool transA, bool transB, int m, int n, int k, int lda, int ldb, int sa, int sb, int sc)
    {
        Tape.Record(r, () =>
        {
            if (r.Grad is not { } g)
            {
                return;
            }
            var gs = g.Span;
            if (a.RequiresGrad)
            {
                var ga = a.EnsureGrad().Span;
                if (!transA)
                {
                    Gemm.MultiplyBatched(batch, false, !transB, m, k, n, 1f, gs, n, sc, b.Span, ldb, sb, 1f, ga, lda, sa);
                }
                else
                {
                    Gemm.MultiplyBatched(batch, transB, true, k, m, n, 1f, b.Span, ldb, sb, gs, n, sc, 1f, ga, lda, sa);
                }
            }
            if (b.RequiresGrad)
            {
                var gb = b.EnsureGrad().Span;
                if (!transB)
                {
                    Gemm.MultiplyBatched(batch, !transA, false, k, n, m, 1f, a.Span, lda, sa, gs, n, sc, 1f, gb, ldb, sb);
                }
                else
                {
                    Gemm.MultiplyBatched(batch, true, transA, n, k, m, 1f, gs, n, sc, a.Span, lda, sa, 1f, gb, ldb, sb);
                }
            }
        });
    }

    /// <summary>
    /// Affine map y = x·Wᵀ + b over the last axis, with W stored out×in (the PyTorch convention) and optional
    /// bias b of size out. One fused op: x [..., in] → y [..., out].
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        var y = MatMul(x, weight, transB: true);
        if (bias is null)
        {
            return y;
        }
        int outF = weight.Dim(0);
        if (bias.Length != outF)
        {
            throw new ArgumentException($"Linear bias has {bias.Length} elements, expected {outF}.");
        }
        var ys = y.Span;
        var bs = bias.Span;
        for (int o = 0; o < ys.Length; o += outF)
        {
            TensorPrimitives.Add(ys.Slice(o, outF), bs, ys.Slice(o, outF));
        }
        if (Tape.ShouldRecord(bias))
        {
            // y already records the matmul; the bias gradient is the column sum of dy.
            var yb = y;
            Tape.Record(yb, () =>
            {
                if (yb.Grad is not { } g)
                {
                    return;
                }
                var gb = bias.EnsureGrad().Span;
                var gs = g.Span;
                for (int o = 0; o < gs.Length; o += outF)
                {
                    TensorPrimitives.Add(gb, gs.Slice(o, outF), gb);
                }
            });
        }
        return y;
    }
}
