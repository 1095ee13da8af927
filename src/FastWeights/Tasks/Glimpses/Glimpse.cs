namespace FastWeights.Tasks.Glimpses;

/// <summary>
/// One glimpse: the square of <see cref="Size"/> × <see cref="Size"/> pixels at (<see cref="Top"/>, <see cref="Left"/>),
/// seen at <see cref="GlimpseSequence.Resolution"/> × <see cref="GlimpseSequence.Resolution"/> by averaging blocks of
/// Size / Resolution pixels on a side (a coarse glimpse of a 14 × 14 quadrant averages 2 × 2 blocks; a fine 7 × 7 glimpse is its pixels).
/// </summary>
/// <param name="Top">First row.</param>
/// <param name="Left">First column.</param>
/// <param name="Size">Side in pixels (a multiple of the resolution).</param>
public readonly record struct Glimpse(int Top, int Left, int Size)
{
    /// <summary>Whether pixel (<paramref name="row"/>, <paramref name="column"/>) lies inside the glimpse.</summary>
    public bool Covers(int row, int column) => row >= Top && row < Top + Size && column >= Left && column < Left + Size;
}
