namespace FastWeights.Training.Reinforcement;

/// <summary>
/// What a batch of episodes played by an agent left, laid out [episode, t, …]: the observations the agent saw, its
/// actions, the rewards, and (when asked for) its action probabilities, values and hidden states.
/// </summary>
public sealed class EpisodeRecord
{
    /// <summary>
    /// Buffers for <paramref name="episodes"/> episodes of <paramref name="length"/> steps; the observations only when
    /// <paramref name="withObservations"/> (training replays them; scoring a policy does not need them).
    /// </summary>
    public EpisodeRecord(int episodes, int length, int observationSize, int actions, int hidden, bool withDetails, bool withObservations = true)
    {
        Episodes = episodes;
        Length = length;
        ObservationSize = observationSize;
        ActionCount = actions;
        Hidden = hidden;
        int steps = episodes * length;
        Observations = withObservations ? new float[steps * observationSize] : [];
        Actions = new int[steps];
        Rewards = new float[steps];
        Values = new float[steps];
        Probabilities = withDetails ? new float[steps * actions] : [];
        HiddenStates = withDetails ? new float[steps * hidden] : [];
    }

    /// <summary>Episodes played together.</summary>
    public int Episodes { get; }

    /// <summary>Steps per episode T.</summary>
    public int Length { get; }

    /// <summary>Values per observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Number of actions.</summary>
    public int ActionCount { get; }

    /// <summary>Hidden units R of the agent's core.</summary>
    public int Hidden { get; }

    /// <summary>Observation t of each episode, [episodes, T, observation size] (empty unless observations were asked for).</summary>
    public float[] Observations { get; }

    /// <summary>Action t, [episodes, T].</summary>
    public int[] Actions { get; }

    /// <summary>Reward after action t, [episodes, T].</summary>
    public float[] Rewards { get; }

    /// <summary>The critic's value V(t), [episodes, T].</summary>
    public float[] Values { get; }

    /// <summary>π(· | observation t), [episodes, T, actions] (empty unless details were asked for).</summary>
    public float[] Probabilities { get; }

    /// <summary>h(t), [episodes, T, R] (empty unless details were asked for).</summary>
    public float[] HiddenStates { get; }

    /// <summary>The return (sum of rewards) of episode <paramref name="episode"/>.</summary>
    public double Return(int episode)
    {
        double sum = 0;
        foreach (float r in Rewards.AsSpan(episode * Length, Length))
        {
            sum += r;
        }
        return sum;
    }
}
