using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training.Reinforcement;

/// <summary>
/// Plays a batch of episodes with an agent, one step at a time through its streaming core: observe, act (an action
/// drawn from the policy, or the most probable one), step every environment, record.
/// </summary>
public static class ActorCriticRollout
{
    /// <summary>
    /// Plays the episodes <paramref name="games"/> has just been reset to, <paramref name="record"/>.Length steps each, into
    /// <paramref name="record"/>; draws the actions from the policy with <paramref name="sampler"/>, or acts greedily
    /// (ties to the lowest action: IndexOfMax returns the first) when it is null.
    /// </summary>
    public static void Play(ActorCriticNetwork agent, IEpisodeBatch games, EpisodeRecord record, Rng? sampler)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(games);
        ArgumentNullException.ThrowIfNull(record);
        int b = games.Batch, length = record.Length, d = record.ObservationSize, a = record.ActionCount, r = agent.Recurrent.HiddenSize;
        if (record.Episodes != b || d != agent.ObservationSize || a != agent.Actions || record.Hidden != r)
        {
            throw new ArgumentException("the episode record does not match the games and the agent");
        }
        var state = agent.CreateState(b);
        var frame = new float[b * d];
        var logits = new float[b * a];
        var values = new float[b];
        var hidden = new float[b * r];
        var actions = new int[b];
        var rewards = new float[b];
        var p = new double[a];
        bool details = record.Probabilities.Length > 0;
        bool observations = record.Observations.Length > 0;
        for (int t = 0; t < length; t++)
        {
            games.Observe(frame);
            agent.Act(state, frame, logits, values, hidden);
            for (int i = 0; i < b; i++)
            {
                int at = (i * length) + t;
                if (observations)
                {
                    frame.AsSpan(i * d, d).CopyTo(record.Observations.AsSpan(at * d, d));
                }
                Softmax(logits.AsSpan(i * a, a), p);
                actions[i] = sampler is null ? System.Numerics.Tensors.TensorPrimitives.IndexOfMax<double>(p) : Sample(p, sampler.NextDouble());
                record.Actions[at] = actions[i];
                record.Values[at] = values[i];
                if (details)
                {
                    for (int j = 0; j < a; j++)
                    {
                        record.Probabilities[(at * a) + j] = (float)p[j];
                    }
                    hidden.AsSpan(i * r, r).CopyTo(record.HiddenStates.AsSpan(at * r, r));
                }
            }
            games.Act(actions, rewards);
            for (int i = 0; i < b; i++)
            {
                record.Rewards[(i * length) + t] = rewards[i];
            }
        }
    }

    private static void Softmax(ReadOnlySpan<float> logits, Span<double> p)
    {
        float max = float.NegativeInfinity;
        foreach (float z in logits)
        {
            max = Math.Max(max, z);
        }
        double sum = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            p[j] = Math.Exp(logits[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < logits.Length; j++)
        {
            p[j] /= sum;
        }
    }

    // The first action whose cumulative probability exceeds u (the last one when rounding leaves u above the total).
    private static int Sample(ReadOnlySpan<double> p, double u)
    {
        double cumulative = 0;
        for (int j = 0; j < p.Length - 1; j++)
        {
            cumulative += p[j];
            if (u < cumulative)
            {
                return j;
            }
        }
        return p.Length - 1;
    }
}
