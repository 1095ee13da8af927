namespace FastWeights.Tasks;

/// <summary>The shape of a task's images: each example is <see cref="Pixels"/> grey-level tokens, row-major.</summary>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
public readonly record struct ImageShape(int Height, int Width)
{
    /// <summary>Pixels per image.</summary>
    public int Pixels => Height * Width;
}
