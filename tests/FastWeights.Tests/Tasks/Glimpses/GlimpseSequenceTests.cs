using FastWeights.Tasks;
using FastWeights.Tasks.Glimpses;

namespace FastWeights.Tests.Tasks.Glimpses;

public sealed class GlimpseSequenceTests
{
    private static readonly ImageShape Mnist = new(28, 28);

    [Fact]
    public void TwentyFourGlimpsesOfFourQuadrantsThenEachQuadrantCoarseAndFine()
    {
        var g = GlimpseSequence.Glimpses;
        Assert.Equal(24, g.Count);
        Assert.Equal(49 + 24, GlimpseSequence.InputSize);
        // The four quadrants coarsely, in reading order.
        Assert.Equal([new Glimpse(0, 0, 14), new Glimpse(0, 14, 14), new Glimpse(14, 0, 14), new Glimpse(14, 14, 14)], g.Take(4));
        // Then per quadrant: its coarse glimpse again and its four 7×7 glimpses inside it.
        for (int q = 0; q < 4; q++)
        {
            var quadrant = g[q];
            Assert.Equal(quadrant, g[4 + (5 * q)]);
            var fine = g.Skip(5 + (5 * q)).Take(4).ToArray();
            Assert.All(fine, f => Assert.Equal(7, f.Size));
            Assert.All(fine, f => Assert.True(quadrant.Covers(f.Top, f.Left) && quadrant.Covers(f.Top + 6, f.Left + 6)));
            Assert.Equal(4, fine.Distinct().Count());
        }
    }

    [Fact]
    public void EveryPixelIsSeenTwiceCoarselyAndOnceFinely()
    {
        for (int r = 0; r < 28; r++)
        {
            for (int c = 0; c < 28; c++)
            {
                Assert.Equal(2, GlimpseSequence.Glimpses.Count(g => g.Size == 14 && g.Covers(r, c)));
                Assert.Equal(1, GlimpseSequence.Glimpses.Count(g => g.Size == 7 && g.Covers(r, c)));
            }
        }
    }

    [Fact]
    public void CoarseGlimpsesAverageTwoByTwoBlocksAndFineGlimpsesArePixels()
    {
        var image = new int[28 * 28];
        for (int i = 0; i < image.Length; i++)
        {
            image[i] = (i * 37) % 256;
        }
        var inputs = new float[2 * 24 * GlimpseSequence.InputSize];
        var batch = image.Concat(image.Select(v => 255 - v)).ToArray();
        GlimpseSequence.Extract(batch, 2, Mnist, inputs);
        for (int b = 0; b < 2; b++)
        {
            var img = batch.AsSpan(b * 784, 784).ToArray();
            for (int g = 0; g < 24; g++)
            {
                var glimpse = GlimpseSequence.Glimpses[g];
                var step = inputs.AsSpan(((b * 24) + g) * GlimpseSequence.InputSize, GlimpseSequence.InputSize);
                int block = glimpse.Size / 7;
                for (int r = 0; r < 7; r++)
                {
                    for (int c = 0; c < 7; c++)
                    {
                        double sum = 0;
                        for (int dr = 0; dr < block; dr++)
                        {
                            for (int dc = 0; dc < block; dc++)
                            {
                                sum += img[((glimpse.Top + (r * block) + dr) * 28) + glimpse.Left + (c * block) + dc];
                            }
                        }
                        Assert.Equal(sum / (255.0 * block * block), step[(r * 7) + c], 5);
                    }
                }
                // The one-hot code of the glimpse's index.
                for (int k = 0; k < 24; k++)
                {
                    Assert.Equal(k == g ? 1f : 0f, step[49 + k]);
                }
            }
        }
    }

    [Fact]
    public void OtherImageSizesAreRefused() =>
        Assert.Throws<ArgumentException>(() => GlimpseSequence.Extract(new int[32 * 32], 1, new ImageShape(32, 32), new float[24 * 73]));
}
