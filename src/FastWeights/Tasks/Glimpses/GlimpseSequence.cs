namespace FastWeights.Tasks.Glimpses;

/// <summary>
/// The fixed, hierarchical sequence of glimpses over a 28 × 28 image that the recurrent models of Ba et al. 2016, §4.2
/// integrate: the four 14 × 14 quadrants seen coarsely (7 × 7, 2 × 2 averages) in reading order, then each quadrant in
/// turn, its coarse glimpse again followed by its four 7 × 7 glimpses at full resolution — 4 + 4 · 5 = 24 glimpses.
/// Each step's input is the glimpse's 49 grey levels (/ 255) followed by a one-hot code of the glimpse's index, which
/// tells the network where and at what scale it looks (see docs/results/table2.md for what the paper leaves open).
/// </summary>
public static class GlimpseSequence
{
    /// <summary>Side of the images the sequence covers.</summary>
    public const int ImageSide = 28;

    /// <summary>Every glimpse is seen as Resolution × Resolution values.</summary>
    public const int Resolution = 7;

    private const int Quadrant = ImageSide / 2;

    /// <summary>The glimpses in the order they are shown.</summary>
    public static IReadOnlyList<Glimpse> Glimpses { get; } = Build();

    /// <summary>Glimpses per image (24).</summary>
    public static int Count => Glimpses.Count;

    /// <summary>Inputs per step: the glimpse's Resolution² values and the one-hot code of its index.</summary>
    public static int InputSize => (Resolution * Resolution) + Count;

    /// <summary>
    /// Writes the glimpse inputs [batch, Count, InputSize] of images given as grey-level tokens [batch, H·W] (H = W = 28)
    /// into <paramref name="inputs"/> (every value is written).
    /// </summary>
    public static void Extract(ReadOnlySpan<int> ids, int batch, ImageShape shape, Span<float> inputs)
    {
        if (shape.Height != ImageSide || shape.Width != ImageSide)
        {
            throw new ArgumentException($"the glimpse sequence covers {ImageSide}×{ImageSide} images, not {shape.Height}×{shape.Width}");
        }
        int pixels = shape.Pixels;
        for (int b = 0; b < batch; b++)
        {
            var image = ids.Slice(b * pixels, pixels);
            for (int g = 0; g < Count; g++)
            {
                var step = inputs.Slice(((b * Count) + g) * InputSize, InputSize);
                See(image, Glimpses[g], step[..(Resolution * Resolution)]);
                step[(Resolution * Resolution)..].Clear();
                step[(Resolution * Resolution) + g] = 1f;
            }
        }
    }

    /// <summary>The Resolution × Resolution view of <paramref name="glimpse"/>: block averages of grey level / 255.</summary>
    public static void See(ReadOnlySpan<int> image, Glimpse glimpse, Span<float> view)
    {
        int block = glimpse.Size / Resolution;
        float scale = 1f / (255f * block * block);
        for (int r = 0; r < Resolution; r++)
        {
            for (int c = 0; c < Resolution; c++)
            {
                int sum = 0;
                for (int dr = 0; dr < block; dr++)
                {
                    int row = glimpse.Top + (r * block) + dr;
                    for (int dc = 0; dc < block; dc++)
                    {
                        sum += image[(row * ImageSide) + glimpse.Left + (c * block) + dc];
                    }
                }
                view[(r * Resolution) + c] = sum * scale;
            }
        }
    }

    private static Glimpse[] Build()
    {
        var quadrants = new List<Glimpse>();
        for (int top = 0; top < ImageSide; top += Quadrant)
        {
            for (int left = 0; left < ImageSide; left += Quadrant)
            {
                quadrants.Add(new Glimpse(top, left, Quadrant));
            }
        }
        var sequence = new List<Glimpse>(quadrants);
        foreach (var q in quadrants)
        {
            sequence.Add(q);
            for (int top = q.Top; top < q.Top + Quadrant; top += Resolution)
            {
                for (int left = q.Left; left < q.Left + Quadrant; left += Resolution)
                {
                    sequence.Add(new Glimpse(top, left, Resolution));
                }
            }
        }
        return [.. sequence];
    }
}
