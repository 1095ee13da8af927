using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training.Reinforcement;

/// <summary>How a greedy policy did on a fixed set of seeded episodes.</summary>
/// <param name="MeanReturn">Mean episode return (for Catch, 2 × catch rate − 1).</param>
/// <param name="SuccessRate">Fraction of episodes with a positive return (for Catch, the catch rate).</param>
/// <param name="ValueLoss">The critic's mean squared error ½(G(t) − V(t))² against the discounted returns G(t) actually received.</param>
/// <param name="Episodes">Episodes played.</param>
public readonly record struct PolicyScore(double MeanReturn, double SuccessRate, double ValueLoss, int Episodes);

/// <summary>
/// Scores an agent's greedy policy (the most probable action at every step) on <c>episodes</c> episodes drawn from one
/// seed: the same seed gives the same episodes whatever the batch they are played in.
/// </summary>
public static class PolicyEvaluation
{
    /// <summary>Episodes played together.</summary>
    public const int Batch = 1000;

    /// <summary>Plays and scores <paramref name="episodes"/> episodes of <paramref name="task"/> drawn from <paramref name="seed"/>.</summary>
    public static PolicyScore Evaluate(ActorCriticNetwork agent, IReinforcementTask task, ulong seed, int episodes, float gamma)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(episodes);
        var rng = new Rng(seed);
        double returns = 0, valueLoss = 0;
        int successes = 0;
        int length = task.EpisodeLength;
        var g = new float[length];
        for (int start = 0; start < episodes; start += Batch)
        {
            int b = Math.Min(Batch, episodes - start);
            var games = task.Create(b);
            games.Reset(rng);
            var record = new EpisodeRecord(b, length, task.ObservationSize, task.Actions, agent.Recurrent.HiddenSize, withDetails: false, withObservations: false);
            ActorCriticRollout.Play(agent, games, record, sampler: null);
            for (int e = 0; e < b; e++)
            {
                double ret = record.Return(e);
                returns += ret;
                successes += ret > 0 ? 1 : 0;
                NStepReturns.Compute(record.Rewards.AsSpan(e * length, length), record.Values.AsSpan(e * length, length), length, gamma, length, g);
                for (int t = 0; t < length; t++)
                {
                    double err = g[t] - record.Values[(e * length) + t];
                    valueLoss += 0.5 * err * err / length;
                }
            }
        }
        return new PolicyScore(returns / episodes, (double)successes / episodes, valueLoss / episodes, episodes);
    }
}
