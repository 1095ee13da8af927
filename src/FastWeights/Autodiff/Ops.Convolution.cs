using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch's conv2d): input [B, C, H, W], weight [O, C, KH, KW], bias [O] or
    /// null → [B, O, Ho, Wo] with Ho = (H + 2p − KH) / s + 1, y[b, o, y, x] = bias[o] + Σ_{c,i,j} w[o, c, i, j] ·
    /// input[b, c, y·s + i − p, x·s + j − p]. Per image: im2col, then Y_b = W · cols_b. Backward: dW += dY_b · cols_bᵀ,
    /// dcols = Wᵀ · dY_b scattered back by col2im, db = Σ dY; images in order, so results do not depend on threads.
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int stride = 1, int padding = 0)
    {
        if (input.Rank != 4 || weight.Rank != 4 || input.Dim(1) != weight.Dim(1))
        {
            throw new ArgumentException($"Conv2d needs input [B, C, H, W] and weight [O, C, KH, KW] with equal C, got {ShapeUtil.Format(input.Shape)} and {ShapeUtil.Format(weight.Shape)}.");
        }
        if (stride < 1 || padding < 0)
        {
            throw new ArgumentException($"Conv2d needs stride ≥ 1 and padding ≥ 0, got stride {stride}, padding {padding}.");
        }
        int batch = input.Dim(0), channels = input.Dim(1), height = input.Dim(2), width = input.Dim(3);
        int outC = weight.Dim(0), kh = weight.Dim(2), kw = weight.Dim(3);
        int outH = ((height + (2 * padding) - kh) / stride) + 1, outW = ((width + (2 * padding) - kw) / stride) + 1;
        if (height + (2 * padding) < kh || width + (2 * padding) < kw)
        {
            throw new ArgumentException($"Conv2d kernel {kh}×{kw} is larger than the padded input {height + (2 * padding)}×{width + (2 * padding)}.");
        }
        if (bias is not null && (bias.Rank != 1 || bias.Length != outC))
        {
            throw new ArgumentException($"Conv2d bias must be [{outC}], got {ShapeUtil.Format(bias.Shape)}.");
        }
        int rows = channels * kh * kw, plane = outH * outW, imageSize = channels * height * width;
        var y = new Tensor(TensorArena.Allocate(batch * outC * plane), 0, batch, outC, outH, outW);
        var cols = new float[rows * plane];
        var ys = y.Span;
        for (int b = 0; b < batch; b++)
        {
            Im2Col.Forward(input.Span.Slice(b * imageSize, imageSize), channels, height, width, kh, kw, stride, padding, outH, outW, cols);
            var yb = ys.Slice(b * outC * plane, outC * plane);
            Gemm.Multiply(false, false, outC, plane, rows, 1f, weight.Span, rows, cols, plane, 0f, yb, plane);
            if (bias is not null)
            {
                for (int o = 0; o < outC; o++)
                {
                    TensorPrimitives.Add(yb.Slice(o * plane, plane), bias.Span[o], yb.Slice(o * plane, plane));
                }
            }
        }
        if (Tape.ShouldRecord([input, weight, .. bias is null ? Array.Empty<Tensor>() : [bias]]))
        {
            Tape.Record(y, () =>
            {
                if (y.Grad is not { } g)
                {
                    return;
                }
                var gs = g.Span;
                var dcols = new float[rows * plane];
                for (int b = 0; b < batch; b++)
                {
                    var gb = gs.Slice(b * outC * plane, outC * plane);
                    if (weight.RequiresGrad)
                    {
                        // The columns are recomputed rather than kept: B·C·KH·KW·Ho·Wo floats would dwarf the activations.
                        Im2Col.Forward(input.Span.Slice(b * imageSize, imageSize), channels, height, width, kh, kw, stride, padding, outH, outW, cols);
                        Gemm.Multiply(false, true, outC, rows, plane, 1f, gb, plane, cols, plane, 1f, weight.EnsureGrad().Span, rows);
                    }
                    if (input.RequiresGrad)
                    {
                        Gemm.Multiply(true, false, rows, plane, outC, 1f, weight.Span, rows, gb, plane, 0f, dcols, plane);
                        Im2Col.Backward(dcols, channels, height, width, kh, kw, stride, padding, outH, outW, input.EnsureGrad().Span.Slice(b * imageSize, imageSize));
                    }
                    if (bias is not null && bias.RequiresGrad)
                    {
                        var db = bias.EnsureGrad().Span;
                        for (int o = 0; o < outC; o++)
                        {
                            db[o] += TensorPrimitives.Sum(gb.Slice(o * plane, plane));
                        }
                    }
                }
            });
        }
        return y;
    }

    /// <summary>
    /// Max pooling over <paramref name="size"/> × size windows at <paramref name="stride"/>, no padding: [B, C, H, W] →
    /// [B, C, Ho, Wo], Ho = (H − size) / stride + 1. The backward pass routes each output's gradient to the first
    /// maximum of its window (the arg-max kept from the forward pass).
    /// </summary>
    public static Tensor MaxPool2d(Tensor input, int size, int stride)
    {
        if (input.Rank != 4 || size < 1 || stride < 1 || input.Dim(2) < size || input.Dim(3) < size)
        {
            throw new ArgumentException($"MaxPool2d needs input [B, C, H, W] with H, W ≥ size ≥ 1 and stride ≥ 1, got {ShapeUtil.Format(input.Shape)}, size {size}, stride {stride}.");
        }
        int planes = input.Dim(0) * input.Dim(1), height = input.Dim(2), width = input.Dim(3);
        int outH = ((height - size) / stride) + 1, outW = ((width - size) / stride) + 1;
        var y = new Tensor(TensorArena.Allocate(planes * outH * outW), 0, input.Dim(0), input.Dim(1), outH, outW);
        var argmax = new int[y.Length];
        var xs = input.Span;
        var ys = y.Span;
        for (int p = 0; p < planes; p++)
        {
            int baseIn = p * height * width;
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    int best = baseIn + (oy * stride * width) + (ox * stride);
                    for (int i = 0; i < size; i++)
                    {
                        for (int j = 0; j < size; j++)
                        {
                            int at = baseIn + (((oy * stride) + i) * width) + (ox * stride) + j;
                            if (xs[at] > xs[best])
                            {
                                best = at;
                            }
                        }
                    }
                    int o = (((p * outH) + oy) * outW) + ox;
                    ys[o] = xs[best];
                    argmax[o] = best;
                }
            }
        }
        if (Tape.ShouldRecord(input))
        {
            Tape.Record(y, () =>
            {
                if (y.Grad is not { } g)
                {
                    return;
                }
                var gs = g.Span;
                var gx = input.EnsureGrad().Span;
                for (int o = 0; o < gs.Length; o++)
                {
                    gx[argmax[o]] += gs[o];
                }
            });
        }
        return y;
    }
}
