using FastWeights.Tasks;
using SkiaSharp;

namespace FastWeights.Cli;

/// <summary>PNG (or JPEG, BMP, …) files as the grey-level tokens of an image task, decoded by SkiaSharp (which ScottPlot brings).</summary>
internal static class PngImage
{
    /// <summary>Whether <paramref name="path"/> names an image file SkiaSharp decodes (by extension; PGM files are read by the task itself).</summary>
    public static bool Handles(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".bmp" or ".gif" or ".webp";

    /// <summary>
    /// Reads the file as grey levels 0–255 (luma 0.299 R + 0.587 G + 0.114 B, composited on black), row-major; it must
    /// be exactly <paramref name="shape"/>'s size. Dark ink on a light background is not inverted: MNIST digits are light on dark.
    /// </summary>
    public static int[] Read(string path, ImageShape shape)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"image file '{path}' not found");
        }
        using var bitmap = SKBitmap.Decode(path) ?? throw new FormatException($"{path}: not an image SkiaSharp can decode");
        if (bitmap.Width != shape.Width || bitmap.Height != shape.Height)
        {
            throw new FormatException($"{path}: a {bitmap.Width}×{bitmap.Height} image; expected {shape.Width}×{shape.Height}");
        }
        var ids = new int[shape.Pixels];
        for (int r = 0; r < shape.Height; r++)
        {
            for (int c = 0; c < shape.Width; c++)
            {
                var p = bitmap.GetPixel(c, r);
                double alpha = p.Alpha / 255.0;
                ids[(r * shape.Width) + c] = (int)Math.Round(alpha * ((0.299 * p.Red) + (0.587 * p.Green) + (0.114 * p.Blue)));
            }
        }
        return ids;
    }
}
