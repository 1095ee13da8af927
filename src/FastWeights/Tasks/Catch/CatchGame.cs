using FastWeights.Tensors;

namespace FastWeights.Tasks.Catch;

/// <summary>
/// A batch of Catch games (Ba et al. 2016, §5) stepped together. Each game is an N×N binary screen: a ball starts on
/// the top row at a uniformly drawn column and falls one row per step; a paddle of <see cref="PaddleWidth"/> pixels on
/// the bottom row starts at the centre and moves left, stays or moves right (clamped at the edges). After N − 1 steps
/// the ball reaches the bottom row and the episode ends with reward +1 if the paddle is under the ball, −1 if not; every
/// other step gives 0. Observation t (before action t) is the screen at step t for t &lt; M (<see cref="BlankAfter"/>)
/// and a blank screen after: the agent must remember where the ball was.
/// </summary>
public sealed class CatchGame : IEpisodeBatch
{
    /// <summary>Action 0: move the paddle one pixel left.</summary>
    public const int Left = 0;

    /// <summary>Action 1: keep the paddle where it is.</summary>
    public const int Stay = 1;

    /// <summary>Action 2: move the paddle one pixel right.</summary>
    public const int Right = 2;

    /// <summary>Number of actions.</summary>
    public const int Actions = 3;

    private readonly int[] ballColumn;
    private readonly int[] paddleLeft;
    private readonly float[] reward;

    /// <summary>Creates <paramref name="batch"/> games on an <paramref name="size"/>×<paramref name="size"/> screen, blank after <paramref name="blankAfter"/> frames.</summary>
    public CatchGame(int batch, int size, int blankAfter, int paddleWidth = 3)
    {
        if (batch < 1)
        {
            throw new ArgumentException("a batch of Catch games needs at least one game");
        }
        if (size < 3)
        {
            throw new ArgumentException("--size must be at least 3");
        }
        if (paddleWidth < 1 || paddleWidth > size)
        {
            throw new ArgumentException($"the paddle must be 1 to {size} pixels wide");
        }
        if (blankAfter < 1)
        {
            throw new ArgumentException("--blank-after must be at least 1 (the first frame is always seen)");
        }
        Batch = batch;
        Size = size;
        BlankAfter = blankAfter;
        PaddleWidth = paddleWidth;
        ballColumn = new int[batch];
        paddleLeft = new int[batch];
        reward = new float[batch];
    }

    /// <summary>Games stepped together.</summary>
    public int Batch { get; }

    /// <summary>Screen side N.</summary>
    public int Size { get; }

    /// <summary>Frames seen before the screen goes blank (M); at least N − 1 means the game is fully observed.</summary>
    public int BlankAfter { get; }

    /// <summary>Paddle width in pixels.</summary>
    public int PaddleWidth { get; }

    /// <summary>Steps (actions) per episode: N − 1, the rows the ball falls.</summary>
    public int EpisodeLength => Size - 1;

    /// <summary>Pixels per observation, N².</summary>
    public int ObservationSize => Size * Size;

    /// <summary>Steps taken in the current episode (the ball's row).</summary>
    public int Step { get; private set; }

    /// <summary>Whether the current episodes have ended (the ball is on the bottom row).</summary>
    public bool Done => Step == EpisodeLength;

    /// <summary>The ball's column in each game.</summary>
    public ReadOnlySpan<int> BallColumns => ballColumn;

    /// <summary>The paddle's leftmost column in each game.</summary>
    public ReadOnlySpan<int> PaddleLefts => paddleLeft;

    /// <summary>The chance catch rate of a policy that ignores the screen, about width / N (exact for the random walk only in the limit).</summary>
    public double ChanceCatchRate => (double)PaddleWidth / Size;

    /// <summary>Starts new episodes: ball columns drawn from <paramref name="rng"/> (one draw per game, in order), paddles centred.</summary>
    public void Reset(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int b = 0; b < Batch; b++)
        {
            ballColumn[b] = rng.NextInt(Size);
        }
        ResetPaddles();
    }

    /// <summary>Starts new episodes with the given ball columns (for tests and replays), paddles centred.</summary>
    public void Reset(ReadOnlySpan<int> columns)
    {
        if (columns.Length != Batch)
        {
            throw new ArgumentException($"expected {Batch} ball columns, got {columns.Length}");
        }
        for (int b = 0; b < Batch; b++)
        {
            if ((uint)columns[b] >= (uint)Size)
            {
                throw new ArgumentException($"ball column {columns[b]} is off a {Size}-pixel screen");
            }
            ballColumn[b] = columns[b];
        }
        ResetPaddles();
    }

    private void ResetPaddles()
    {
        Array.Fill(paddleLeft, (Size - PaddleWidth) / 2);
        Array.Clear(reward);
        Step = 0;
    }

    /// <summary>Whether observation <paramref name="step"/> is the blank screen.</summary>
    public bool IsBlank(int step) => step >= BlankAfter;

    /// <summary>
    /// Writes what each game shows now into <paramref name="observations"/> ([Batch, N²], row-major screens: 1 at the
    /// ball and the paddle, 0 elsewhere; all 0 once the screen is blank).
    /// </summary>
    public void Observe(Span<float> observations)
    {
        int pixels = ObservationSize;
        if (observations.Length != Batch * pixels)
        {
            throw new ArgumentException($"observations must hold {Batch} × {pixels} values");
        }
        observations.Clear();
        if (IsBlank(Step))
        {
            return;
        }
        for (int b = 0; b < Batch; b++)
        {
            var screen = observations.Slice(b * pixels, pixels);
            Render(screen, b);
        }
    }

    /// <summary>Draws the true screen of game <paramref name="game"/> (whether or not the agent sees it) into an N² span.</summary>
    public void Render(Span<float> screen, int game)
    {
        screen.Clear();
        screen[(Step * Size) + ballColumn[game]] = 1;
        screen.Slice(((Size - 1) * Size) + paddleLeft[game], PaddleWidth).Fill(1);
    }

    /// <summary>
    /// Applies one action per game (<see cref="Left"/>, <see cref="Stay"/>, <see cref="Right"/>): moves the paddles, lets
    /// the balls fall one row, and writes each game's reward into <paramref name="rewards"/> (±1 on the last step, 0 before).
    /// </summary>
    public void Act(ReadOnlySpan<int> actions, Span<float> rewards)
    {
        if (Done)
        {
            throw new InvalidOperationException("the episodes have ended; Reset starts new ones");
        }
        if (actions.Length != Batch || rewards.Length != Batch)
        {
            throw new ArgumentException($"expected {Batch} actions and rewards");
        }
        int last = Size - PaddleWidth;
        for (int b = 0; b < Batch; b++)
        {
            int a = actions[b];
            if ((uint)a >= Actions)
            {
                throw new ArgumentException($"action {a} is not left (0), stay (1) or right (2)");
            }
            paddleLeft[b] = Math.Clamp(paddleLeft[b] + a - 1, 0, last);
        }
        Step++;
        for (int b = 0; b < Batch; b++)
        {
            rewards[b] = !Done ? 0f : IsCaught(b) ? 1f : -1f;
        }
    }

    /// <summary>Whether the paddle of game <paramref name="game"/> lies under its ball's column.</summary>
    public bool IsCaught(int game) => ballColumn[game] >= paddleLeft[game] && ballColumn[game] < paddleLeft[game] + PaddleWidth;
}
