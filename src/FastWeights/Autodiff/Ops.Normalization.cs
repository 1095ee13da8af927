using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Layer normalisation over the last axis of each row (Ba, Kiros, Hinton 2016):
    /// y = (x − μ) / √(σ² + ε) · gain + bias, with μ and σ² over the row. Gain and bias are optional (size = last axis).
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor? gain, Tensor? bias, float eps = 1e-5f)
    {
        int n = x.Dim(-1);
        if ((gain is not null && gain.Length != n) || (bias is not null && bias.Length != n))
        {
            throw new ArgumentException($"LayerNorm gain and bias need {n} elements.");
        }
        int rows = n == 0 ? 0 : x.Length / n;
        var r = Tensor.ZerosLike(x);
        var xhat = TensorArena.Allocate(x.Length);
        var rstd = TensorArena.Allocate(rows);
        var xs = x.Span;
        var ys = r.Span;
        for (int row = 0; row < rows; row++)
        {
            var xr = xs.Slice(row * n, n);
            var hr = xhat.AsSpan(row * n, n);
            rstd[row] = LayerNormKernel.Normalize(xr, eps, hr);
            var yr = ys.Slice(row * n, n);
            if (gain is not null)
            {
                TensorPrimitives.Multiply(hr, gain.Span, yr);
            }
            else
            {
                hr.CopyTo(yr);
            }
            if (bias is not null)
            {
                TensorPrimitives.Add(yr, bias.Span, yr);
            }
        }
        Tensor[] inputs = gain is null ? (bias is null ? [x] : [x, bias]) : (bias is null ? [x, gain] : [x, gain, bias]);
        if (Tape.ShouldRecord(inputs))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                var gs = g.Span;
                var dxhat = TensorArena.Allocate(n);
                for (int row = 0; row < rows; row++)
                {
                    var gr = gs.Slice(row * n, n);
                    var hr = xhat.AsSpan(row * n, n);
                    LayerNormKernel.AccumulateParameterGradients<LayerNormKernel.RoundedMultiplyAdd>(
                        gr, hr,
                        gain is not null && gain.RequiresGrad ? gain.EnsureGrad().Span : default,
                        bias is not null && bias.RequiresGrad ? bias.EnsureGrad().Span : default);
                    if (x.RequiresGrad)
                    {
                        var gx = x.EnsureGrad().Span.Slice(row * n, n);
                        LayerNormKernel.InputGradient<LayerNormKernel.Accumulate>(gr, hr, gain is null ? default : gain.Span, rstd[row], dxhat, gx);
                    }
                }
            });
        }
        return r;
    }

    /// <summary>
    /// RMS normalisation over the last axis of each row (Zhang, Sennrich 2019): y = x · r · gain with
    /// r = 1/√(mean(x²) + ε); the gain is optional. Backward, with u = gain ⊙ ∂y:
    /// ∂x = r·u − x · r³ · Σ(x ⊙ u) / n, ∂gain += Σ_rows ∂y ⊙ x·r.
    /// </summary>
    public static Tensor RmsNorm(Tensor x, Tensor? gain, float eps = 1e-6f)
    {
        int n = x.Dim(-1);
        if (gain is not null && gain.Length != n)
        {
            throw new ArgumentException($"RmsNorm gain needs {n} elements.");
        }
        int rows = n == 0 ? 0 : x.Length / n;
        var r = Tensor.ZerosLike(x);
        var rrms = TensorArena.Allocate(rows);
        var xs = x.Span;
        var ys = r.Span;
        for (int row = 0; row < rows; row++)
        {
            rrms[row] = RmsNormRow(xs.Slice(row * n, n), gain is null ? default : gain.Span, eps, ys.Slice(row * n, n));
        }
        Tensor[] inputs = gain is null ? [x] : [x, gain];
        if (Tape.ShouldRecord(inputs))
        {
            Tape.Record(r, () =>
            {
                if (r.Grad is not { } g)
                {
                    return;
                }
                var gs = g.Span;
                var u = TensorArena.Allocate(n);
                var xr = x.Span;
                for (int row = 0; row < rows; row++)
                {
                    var gr = gs.Slice(row * n, n);
                    var xrow = xr.Slice(row * n, n);
                    float rr = rrms[row];
                    if (gain is not null && gain.RequiresGrad)
                    {
                        // ∂gain += ∂y ⊙ x · r
                        var dg = gain.EnsureGrad().Span;
                        for (int i = 0; i < n; i++)
                        {
                            dg[i] += gr[i] * xrow[i] * rr;
                        }
                    }
                    if (x.RequiresGrad)
                    {
                        if (gain is not null)
                        {
                            TensorPrimitives.Multiply(gr, gain.Span, u);
                        }
                        else
                        {
                            gr.CopyTo(u);
                        }
                        float c = TensorPrimitives.Dot(xrow, u) * rr * rr * rr / n;
                        var gx = x.EnsureGrad().Span.Slice(row * n, n);
                        for (int i = 0; i < n; i++)
                        {
                            gx[i] += (rr * u[i]) - (c * xrow[i]);
                        }
                    }
                }
            });
        }
        return r;
    }

    /// <summary>y = x · r (· gain when given) for one row, r = 1/√(mean(x²) + ε); returns r. y may be x.</summary>
    internal static float RmsNormRow(ReadOnlySpan<float> x, ReadOnlySpan<float> gain, float eps, Span<float> y)
    {
        int n = x.Length;
        float rr = 1f / MathF.Sqrt((TensorPrimitives.SumOfSquares(x) / n) + eps);
        TensorPrimitives.Multiply(x, rr, y);
        if (!gain.IsEmpty)
        {
            TensorPrimitives.Multiply(y[..n], gain, y);
        }
        return rr;
    }

    /// <summary>
    /// Embedding lookup: rows of <paramref name="weight"/> [V, D] at <paramref name="ids"/>; the result has
    /// shape <paramref name="idsShape"/> + [D]. The gradient is scattered back (summed for repeated ids).
    /// </summary>
    public static Tensor Embedding(Tensor weight, ReadOnlySpan<int> ids, int[] idsShape)
    {
        if (weight.Rank != 2)
        {
            throw new ArgumentException($"Embedding weight must be [V, D], got {ShapeUtil.Format(weight.Shape)}.");
        }
        if (ShapeUtil.Product(idsShape) != ids.Length)
        {
            throw new ArgumentException($"{ids.Length} ids do not fit shape {ShapeUtil.Format(idsShape)}.");
        }
        int v = weight.Dim(0), d = weight.Dim(1);
        var outShape = new int[idsShape.Length + 1];
        idsShape.CopyTo(outShape, 0);
        outShape[^1] = d;
        var r = new Tensor(TensorArena.Allocate(ids.Length * d), 0, outShape);
        var ws = weight.Span;
        var rs = r.Span;
        var idCopy = TensorArena.Copy(ids);
        for (int i = 0; i < idCopy.Length; i++)
        {
            int id = idCopy[i];
            if ((uint)id >= (uint)v)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is outside the vocabulary [0, {v}).");
            }
            ws.Slice(id * d, d).CopyTo(rs.Slice(i * d, d));
        }
        if (Tape.ShouldRecord(weight))
        {
            Tape.Record(r, () =>
            {
                if (Tape.TryGetGradients(r, weight, out var gw, out var gs))
                {
                    for (int i = 0; i < idCopy.Length; i++)
                    {
                        var row = gw.Slice(idCopy[i] * d, d);
                        TensorPrimitives.Add(row, gs.Slice(i * d, d), row);
                    }
                }
            });
        }
        return r;
    }
}
