namespace FastWeights.Kernels;

/// <summary>
/// The column form of a 2-D convolution's input (im2col) and its adjoint (col2im), for one image [C, H, W]: row
/// (c·KH + i)·KW + j, column y·Wo + x holds input[c, y·s + i − p, x·s + j − p] (zero outside the image), so the
/// convolution is the matrix product W [O, C·KH·KW] · cols [C·KH·KW, Ho·Wo].
/// </summary>
public static class Im2Col
{
    /// <summary>Writes the columns of <paramref name="image"/> [C, H, W] into <paramref name="cols"/> [C·KH·KW, Ho·Wo].</summary>
    public static void Forward(ReadOnlySpan<float> image, int channels, int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW, Span<float> cols)
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
                        var outRow = row.Slice(y * outW, outW);
                        if ((uint)iy >= (uint)height)
                        {
                            outRow.Clear();
                            continue;
                        }
                        var inRow = channel.Slice(iy * width, width);
                        for (int x = 0; x < outW; x++)
                        {
                            int ix = (x * stride) + j - padding;
                            outRow[x] = (uint)ix < (uint)width ? inRow[ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adds the columns' gradient <paramref name="cols"/> [C·KH·KW, Ho·Wo] back onto the image's gradient [C, H, W] (the adjoint of <see cref="Forward"/>).</summary>
    public static void Backward(ReadOnlySpan<float> cols, int channels, int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW, Span<float> image)
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
                        for (int x = 0; x < outW; x++)
                        {
                            int ix = (x * stride) + j - padding;
                            if ((uint)ix < (uint)width)
                            {
                                inRow[ix] += row[(y * outW) + x];
                            }
                        }
                    }
                }
            }
        }
    }
}
