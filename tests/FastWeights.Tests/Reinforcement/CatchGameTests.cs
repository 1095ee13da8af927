using FastWeights.Tasks.Catch;
using FastWeights.Tensors;

namespace FastWeights.Tests.Reinforcement;

/// <summary>The rules of Catch: falling, the paddle and its edges, blanking, rewards, seeded starts, bad settings.</summary>
public class CatchGameTests
{
    private static (int[] Ones, float[] Screen) Observe(CatchGame game, int gameIndex = 0)
    {
        var all = new float[game.Batch * game.ObservationSize];
        game.Observe(all);
        var screen = all.AsSpan(gameIndex * game.ObservationSize, game.ObservationSize).ToArray();
        return ([.. Enumerable.Range(0, screen.Length).Where(i => screen[i] != 0)], screen);
    }

    [Fact]
    public void TheBallFallsOneRowPerStepAndTheEpisodeLastsNMinusOneSteps()
    {
        var game = new CatchGame(1, 8, blankAfter: 100);
        game.Reset([3]);
        var rewards = new float[1];
        for (int t = 0; t < 7; t++)
        {
            Assert.False(game.Done);
            var (ones, screen) = Observe(game);
            Assert.Equal(1f, screen[(t * 8) + 3]); // the ball on row t
            Assert.Equal(1 + 3, ones.Length);     // ball + a 3-pixel paddle
            Assert.Equal([56 + 2, 56 + 3, 56 + 4], ones.Where(i => i >= 56).ToArray()); // paddle centred on the bottom row
            game.Act([CatchGame.Stay], rewards);
            Assert.Equal(t < 6 ? 0f : 1f, rewards[0]); // column 3 lies under the paddle (2..4): +1, on the last step only
        }
        Assert.True(game.Done);
        Assert.Throws<InvalidOperationException>(() => game.Act([CatchGame.Stay], rewards));
    }

    [Theory]
    [InlineData(3, CatchGame.Stay, 1f)]     // under the paddle (columns 2..4)
    [InlineData(2, CatchGame.Stay, 1f)]
    [InlineData(5, CatchGame.Stay, -1f)]    // just beside it
    [InlineData(0, CatchGame.Left, 1f)]     // moving left reaches the edge in time
    [InlineData(7, CatchGame.Right, 1f)]
    [InlineData(7, CatchGame.Left, -1f)]
    public void TheLastStepRewardsACatchWithPlusOneAndAMissWithMinusOne(int column, int action, float expected)
    {
        var game = new CatchGame(1, 8, blankAfter: 3);
        game.Reset([column]);
        var rewards = new float[1];
        var all = new List<float>();
        while (!game.Done)
        {
            game.Act([action], rewards);
            all.Add(rewards[0]);
        }
        Assert.Equal(expected, all[^1]);
        Assert.All(all.Take(all.Count - 1), r => Assert.Equal(0f, r));
        Assert.Equal(expected > 0, game.IsCaught(0));
    }

    [Fact]
    public void ThePaddleStopsAtTheEdges()
    {
        var game = new CatchGame(2, 8, blankAfter: 100);
        game.Reset([0, 0]);
        var rewards = new float[2];
        for (int t = 0; t < 7; t++)
        {
            game.Act([CatchGame.Left, CatchGame.Right], rewards);
        }
        Assert.Equal([0, 5], game.PaddleLefts.ToArray()); // 8 − 3 is the rightmost left edge
    }

    [Fact]
    public void TheScreenIsBlankAfterTheFirstMFramesAndTheGameGoesOn()
    {
        var game = new CatchGame(3, 10, blankAfter: 4);
        game.Reset(new Rng(1));
        var rewards = new float[3];
        for (int t = 0; t < 9; t++)
        {
            var all = new float[3 * 100];
            game.Observe(all);
            int lit = all.Count(v => v != 0);
            Assert.Equal(t < 4 ? 3 * 4 : 0, lit);
            Assert.Equal(t >= 4, game.IsBlank(t));
            // The true screen is still drawn for pictures.
            var screen = new float[100];
            game.Render(screen, 1);
            Assert.Equal(4, screen.Count(v => v != 0));
            game.Act([CatchGame.Stay, CatchGame.Left, CatchGame.Right], rewards);
        }
        Assert.True(game.Done);
        Assert.All(rewards, r => Assert.True(r is 1f or -1f));
    }

    [Fact]
    public void ASeededResetDrawsTheSameColumnsAndEveryColumnOccurs()
    {
        var a = new CatchGame(500, 12, 4);
        var b = new CatchGame(500, 12, 4);
        a.Reset(new Rng(7));
        b.Reset(new Rng(7));
        Assert.Equal(a.BallColumns.ToArray(), b.BallColumns.ToArray());
        Assert.Equal(12, a.BallColumns.ToArray().Distinct().Count());
        b.Reset(new Rng(8));
        Assert.NotEqual(a.BallColumns.ToArray(), b.BallColumns.ToArray());
        Assert.All(a.PaddleLefts.ToArray(), p => Assert.Equal(4, p)); // (12 − 3) / 2
    }

    [Fact]
    public void BadSettingsAndActionsAreClearErrors()
    {
        Assert.Contains("--size", Assert.Throws<ArgumentException>(() => new CatchGame(1, 2, 1)).Message);
        Assert.Contains("--blank-after", Assert.Throws<ArgumentException>(() => new CatchGame(1, 8, 0)).Message);
        Assert.Contains("paddle", Assert.Throws<ArgumentException>(() => new CatchGame(1, 8, 2, paddleWidth: 9)).Message);
        var game = new CatchGame(1, 8, 2);
        game.Reset([1]);
        Assert.Contains("action 3", Assert.Throws<ArgumentException>(() => game.Act([3], new float[1])).Message);
        Assert.Throws<ArgumentException>(() => game.Reset([8]));
    }
}
