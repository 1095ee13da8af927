using System.CommandLine;
using System.Globalization;
using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Tasks.Catch;
using FastWeights.Tensors;
using FastWeights.Training;
using FastWeights.Training.Reinforcement;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights play</c>: a trained Catch agent plays episodes greedily; a PNG strip of them, or text.</summary>
internal static class PlayCommand
{
    /// <summary>Most episodes one picture or listing holds.</summary>
    public const int MaxEpisodes = 64;

    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var episodes = new Option<int>("--episodes", "-k") { Description = $"Episodes to play (1 to {MaxEpisodes})", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the episodes' ball columns (default: the first of the run's test episodes)" };
        var output = new Option<string?>("--out", "-o") { Description = "PNG file to write: each episode's frames, actions and (fast weights) attention" }.NonEmptyPath();
        var ascii = new Option<bool>("--ascii") { Description = "Print the episodes to the terminal as text" };
        var cmd = new Command("play", "Let a trained Catch agent play episodes with its greedy policy and draw them (--out FILE.png) or print them (--ascii).") { run, episodes, seed, output, ascii };
        cmd.SetAction(p =>
        {
            string? path = p.GetValue(output);
            bool text = p.GetValue(ascii);
            if (path is null && !text)
            {
                throw new CliException("give --out FILE.png, --ascii, or both");
            }
            if (path is not null && !path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"--out '{path}': play writes PNG files (name it *.png)");
            }
            int k = p.GetValue(episodes);
            if (k is < 1 or > MaxEpisodes)
            {
                throw new CliException($"--episodes must be 1 to {MaxEpisodes}");
            }
            string dir = p.GetValue(run)!;
            var (config, agent, task) = RunDirectory.LoadAgent(dir);
            var catchTask = task as CatchTask ?? throw new CliException($"play draws Catch episodes; run '{dir}' is on --task {task.Name}");
            var played = Play(agent, catchTask, k, p.GetValue(seed) ?? ActorCriticTrainer.EpisodeSeeds(config).Test);
            if (text)
            {
                stdout.Write(CatchPicture.Ascii(catchTask, played));
            }
            if (path is not null)
            {
                string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
                if (parent is not null)
                {
                    Directory.CreateDirectory(parent);
                }
                int caught = played.Count(e => e.Return > 0);
                string title = string.Create(CultureInfo.InvariantCulture, $"{config.Model} (R={config.Hidden}) agent, Catch {catchTask.Size}x{catchTask.Size} blank after {catchTask.BlankAfter}: {caught} of {played.Count} caught");
                CatchPicture.WritePng(path, catchTask, played, title);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {path}: {played.Count} episodes, {caught} caught"));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    // Plays k greedy episodes drawn from the seed, recording what the pictures need; fast weights also give their attention.
    private static List<CatchPicture.Episode> Play(Models.ActorCriticNetwork agent, CatchTask task, int k, ulong seed)
    {
        var games = task.CreateGame(k);
        games.Reset(new Rng(seed));
        int[] columns = games.BallColumns.ToArray();
        int steps = task.EpisodeLength;
        var record = new EpisodeRecord(k, steps, task.ObservationSize, task.Actions, agent.Recurrent.HiddenSize, withDetails: true);
        ActorCriticRollout.Play(agent, games, record, sampler: null);
        // Replay the actions on the same games to read the paddle before each one (the game keeps only its current position).
        var paddles = new int[k * steps];
        var replay = task.CreateGame(k);
        replay.Reset(columns);
        var actions = new int[k];
        var rewards = new float[k];
        for (int t = 0; t < steps; t++)
        {
            for (int e = 0; e < k; e++)
            {
                paddles[(e * steps) + t] = replay.PaddleLefts[e];
                actions[e] = record.Actions[(e * steps) + t];
            }
            replay.Act(actions, rewards);
        }
        var result = new List<CatchPicture.Episode>();
        for (int e = 0; e < k; e++)
        {
            result.Add(new CatchPicture.Episode(columns[e], paddles.AsSpan(e * steps, steps).ToArray(), record.Actions.AsSpan(e * steps, steps).ToArray(),
                record.Probabilities.AsSpan(e * steps * task.Actions, steps * task.Actions).ToArray(), record.Return(e), Attention(agent, record, e)));
        }
        return result;
    }

    // The fast-weights attention of one episode, from the observations it saw (null for cores without fast weights).
    private static double[,]? Attention(Models.ActorCriticNetwork agent, EpisodeRecord record, int episode)
    {
        if (agent.Recurrent is not FastWeightRnnLayer layer || !layer.Options.UseFastWeights)
        {
            return null;
        }
        using var _ = Tape.NoGrad();
        int steps = record.Length, d = record.ObservationSize;
        var x = Tensor.Zeros(1, steps, d);
        record.Observations.AsSpan(episode * steps * d, steps * d).CopyTo(x.Span);
        var u = layer.Project(x);
        var trace = FastWeightRnnKernel.Trace(layer.Options, steps, layer.HiddenSize, u.ToArray(), layer.RecurrentWeight.ToArray(), layer.Gain?.ToArray() ?? [], layer.Bias?.ToArray() ?? []);
        return trace.LastInnerStepAttention();
    }
}
