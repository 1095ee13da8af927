namespace FastWeights.Tasks;

/// <summary>
/// A task learnt by reinforcement, as a plug-in beside the <see cref="ISequenceTask"/>s: batches of environments whose
/// episodes all last <see cref="EpisodeLength"/> steps, each step an observation of <see cref="ObservationSize"/> values
/// and one of <see cref="Actions"/> actions. Listed by one line in <see cref="TaskCatalog"/>; the actor-critic trainer
/// (<see cref="Training.Reinforcement.ActorCriticTrainer"/>) works through this interface only.
/// </summary>
public interface IReinforcementTask
{
    /// <summary>The name users type (<c>--task</c>).</summary>
    string Name { get; }

    /// <summary>Values per observation.</summary>
    int ObservationSize { get; }

    /// <summary>Number of discrete actions.</summary>
    int Actions { get; }

    /// <summary>Steps (actions) per episode, the same for every episode.</summary>
    int EpisodeLength { get; }

    /// <summary>What an episode with a positive return is called in messages ("catch rate").</summary>
    string SuccessName { get; }

    /// <summary>The success rate of a policy that ignores its observations (for messages and tests).</summary>
    double ChanceSuccessRate { get; }

    /// <summary>A batch of <paramref name="batch"/> environments.</summary>
    IEpisodeBatch Create(int batch);
}

/// <summary>A batch of environments of an <see cref="IReinforcementTask"/>, stepped together.</summary>
public interface IEpisodeBatch
{
    /// <summary>Environments stepped together.</summary>
    int Batch { get; }

    /// <summary>Starts new episodes, drawing from <paramref name="rng"/>.</summary>
    void Reset(Tensors.Rng rng);

    /// <summary>Writes the current observations, [Batch, observation size].</summary>
    void Observe(Span<float> observations);

    /// <summary>Applies one action per environment and writes each one's reward of this step.</summary>
    void Act(ReadOnlySpan<int> actions, Span<float> rewards);
}
