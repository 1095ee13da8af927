namespace FastWeights.Tasks.Catch;

/// <summary>
/// The partially observable Catch game of Ba et al. 2016, §5, as a task (<c>--task catch</c>): an N×N screen
/// (<c>--size</c>), blank after the first M frames (<c>--blank-after</c>), a paddle of <c>--paddle</c> pixels.
/// </summary>
public sealed class CatchTask : IReinforcementTask
{
    /// <summary>Creates the task; throws <see cref="ArgumentException"/> naming the option when a setting is out of range.</summary>
    public CatchTask(int size, int blankAfter, int paddleWidth)
    {
        // The game checks its settings.
        _ = new CatchGame(1, size, blankAfter, paddleWidth);
        Size = size;
        BlankAfter = blankAfter;
        PaddleWidth = paddleWidth;
    }

    /// <inheritdoc/>
    public string Name => "catch";

    /// <summary>Screen side N.</summary>
    public int Size { get; }

    /// <summary>Frames seen before the screen goes blank (M).</summary>
    public int BlankAfter { get; }

    /// <summary>Paddle width in pixels.</summary>
    public int PaddleWidth { get; }

    /// <inheritdoc/>
    public int ObservationSize => Size * Size;

    /// <inheritdoc/>
    public int Actions => CatchGame.Actions;

    /// <inheritdoc/>
    public int EpisodeLength => Size - 1;

    /// <inheritdoc/>
    public string SuccessName => "catch rate";

    /// <inheritdoc/>
    public double ChanceSuccessRate => (double)PaddleWidth / Size;

    /// <inheritdoc/>
    public IEpisodeBatch Create(int batch) => CreateGame(batch);

    /// <summary>A batch of <paramref name="batch"/> games.</summary>
    public CatchGame CreateGame(int batch) => new(batch, Size, BlankAfter, PaddleWidth);
}
