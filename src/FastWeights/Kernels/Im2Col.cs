namespace FastWeights.Kernels;

/// <summary>
/// The column form of a 2-D convolution's input (im2col) and its adjoint (col2im), for one image [C, H, W]: row
/// (c·KH + i)·KW + j, column y·Wo + x holds input[c, y·s + i − p, x·s + j − p] (zero outside the image), so the
/// convolution is the matrix product W [O, C·KH·KW] · cols [C·KH·KW, Ho·Wo]. Both directions are one loop over the
/// (column, pixel) pairs, specialised by an operator struct.
/// </summary>
public static class Im2Col
{
    /// <summary>Writes the columns of <paramref name="image"/> [C, H, W] into <paramref name="cols"/> [C·KH·KW, Ho·Wo].</summary>
    public static void Forward(ReadOnlySpan<float> image, int channels, int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW, Span<float> cols)
    {
        cols.Clear(); // the entries outside the image stay zero
        Pairs<Gather>(cols, MemoryMarshalSpan(image), channels, height, width, kernelH, kernelW, stride, padding, outH, outW);
    }

    /// <summary>Adds the columns' gradient <paramref name="cols"/> [C·KH·KW, Ho·Wo] back onto the image's gradient [C, H, W] (the adjoint of <see cref="Forward"/>).</summary>
    public static void Backward(ReadOnlySpan<float> cols, int channels, int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW, Span<float> image) =>
        Pairs<Scatter>(MemoryMarshalSpan(cols), image, channels, height, width, kernelH, kernelW, stride, padding, outH, outW);

    private interface IPairOp
    {
        static abstract void Apply(ref float column, ref float pixel);
    }

    // im2col: column ← pixel.
    private readonly struct Gather : IPairOp
    {
        public static void Apply(ref float column, ref float pixel) => column = pixel;
    }

    // col2im: pixel += column.
    private readonly struct Scatter : IPairOp
    {
        public static void Apply(ref float column, ref float pixel) => pixel += column;
    }

    // Visits every (column entry, input pixel) pair inside the image once, in a fixed order.
    private static void Pairs<TOp>(Span<float> cols, Span<float> image, int channels, int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW)
        where TOp : struct, IPairOp
    {
        int plane = outH * outW;
        for (int c = 0; c < channels; c++)
        {
            var channel = image.Slice(c * height * width, height * width);
            for (int i = 0; i < kernelH; i++)
            {
                for (int j = 0; j < kernelW; j++)
                {
                    var row = cols.Slice((((c * kernelH) + i) * kernelW + j) * plane, plane);
                    for (int y = 0; y < outH; y++)
                    {
                        int iy = (y * stride) + i - padding;
                        if ((uint)iy >= (uint)height)
                        {
                            continue;
                        }
                        var inRow = channel.Slice(iy * width, width);
                        var outRow = row.Slice(y * outW, outW);
                        for (int x = 0; x < outW; x++)
                        {
                            int ix = (x * stride) + j - padding;
                            if ((uint)ix < (uint)width)
                            {
                                TOp.Apply(ref outRow[x], ref inRow[ix]);
                            }
                        }
                    }
                }
            }
        }
    }

    // The read-only side as a span the shared loop can take; the operator never writes it.
    private static Span<float> MemoryMarshalSpan(ReadOnlySpan<float> values) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values), values.Length);
}
