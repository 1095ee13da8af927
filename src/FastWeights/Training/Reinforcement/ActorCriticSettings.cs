namespace FastWeights.Training;

/// <summary>
/// The settings of actor-critic training on a reinforcement-learning task (<see cref="Reinforcement.ActorCriticTrainer"/>),
/// part of a run's configuration. On such a task <c>--steps</c> counts updates, each on <c>--batch</c> whole episodes.
/// </summary>
public sealed partial record TrainingConfig
{
    /// <summary>Discount factor γ of the returns.</summary>
    [Setting("--gamma", SettingPart.Reinforcement, "Discount factor γ of the returns", Scope = "reinforcement tasks", Since = 2)]
    public float Gamma { get; init; } = 0.99f;

    /// <summary>Steps n of the n-step returns (bootstrapped from the critic n steps ahead; the episode length or more is the Monte-Carlo return).</summary>
    [Setting("--n-step", SettingPart.Reinforcement, "n of the n-step returns R(t) = r(t) + … + γⁿ⁻¹r(t+n−1) + γⁿV(t+n)", Scope = "reinforcement tasks", Since = 2)]
    public int NStep { get; init; } = 8;

    /// <summary>Weight β of the entropy bonus.</summary>
    [Setting("--entropy", SettingPart.Reinforcement, "Weight β of the policy's entropy bonus", Scope = "reinforcement tasks", Since = 2)]
    public float EntropyWeight { get; init; } = 0.01f;

    /// <summary>Weight of the critic's squared error.</summary>
    [Setting("--value-weight", SettingPart.Reinforcement, "Weight of the critic's squared error ½(R − V)²", Scope = "reinforcement tasks", Since = 2)]
    public float ValueWeight { get; init; } = 0.5f;

    /// <summary>Episodes of each validation (the same seeded episodes every time, greedy policy).</summary>
    [Setting("--eval-episodes", SettingPart.Reinforcement, "Episodes of each validation (fixed seeded episodes, greedy policy)", Scope = "reinforcement tasks", Since = 2)]
    public int EvalEpisodes { get; init; } = 1000;

    /// <summary>Episodes of the final test (fixed seeded episodes other than the validation's, greedy policy).</summary>
    [Setting("--test-episodes", SettingPart.Reinforcement, "Episodes of the final test (fixed seeded episodes, greedy policy)", Scope = "reinforcement tasks", Since = 2)]
    public int TestEpisodes { get; init; } = 10_000;

    private void ValidateActorCritic()
    {
        Require(Gamma is >= 0f and <= 1f, "--gamma must be in [0, 1]");
        Require(NStep >= 1, "--n-step must be at least 1");
        Require(EntropyWeight >= 0f && float.IsFinite(EntropyWeight), "--entropy must be 0 or more");
        Require(ValueWeight >= 0f && float.IsFinite(ValueWeight), "--value-weight must be 0 or more");
        Require(EvalEpisodes >= 1, "--eval-episodes must be at least 1");
        Require(TestEpisodes >= 1, "--test-episodes must be at least 1");
    }
}
