using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastWeights.Autodiff;
using FastWeights.Models;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training.Reinforcement;

/// <summary>
/// Synchronous advantage actor-critic (A2C; the synchronous form of Mnih et al. 2016's A3C) on a reinforcement-learning
/// task, run by <see cref="Trainer"/> with the same run directory, schedule, clipping, checkpoints and resume as every
/// other run. Each update plays <c>--batch</c> whole episodes with the current policy (actions drawn from it), then
/// recomputes the episodes with gradients and takes one step on the loss of <see cref="Ops.ActorCriticLoss"/> with
/// n-step returns (<see cref="NStepReturns"/>). Validation and test play fixed seeded episodes greedily.
/// </summary>
public static class ActorCriticTrainer
{
    /// <summary>The seeds of a run's validation and test episodes (from the run's first draw, as a sequence task's data seed).</summary>
    public static (ulong Validation, ulong Test) EpisodeSeeds(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var episodes = new Rng(Trainer.DataSeed(config));
        return (episodes.NextUInt64(), episodes.NextUInt64());
    }

    /// <summary>Builds the agent a configuration describes, initialised as a run starts (the run's third draw onwards).</summary>
    public static ActorCriticNetwork CreateAgent(TrainingConfig config, out IReinforcementTask task, out ulong rolloutSeed)
    {
        ArgumentNullException.ThrowIfNull(config);
        // One generator, consumed in a fixed order: the episode seed, the rollout seed, then the initial weights.
        var rng = new Rng(config.Seed);
        _ = rng.NextUInt64();
        rolloutSeed = rng.NextUInt64();
        task = TaskCatalog.CreateReinforcement(config);
        return ModelCatalog.Find(config.Model).CreateAgent(config, task, rng);
    }

    // start (a fresh run's files) is called once the agent, the optimizer and the update's buffers exist.
    internal static TrainingResult Run(TrainingConfig config, string dir, bool resume, ITrainingObserver? observer, CancellationToken cancel, Action? start = null)
    {
        var agent = CreateAgent(config, out var task, out ulong rolloutSeed);
        var (validationSeed, testSeed) = EpisodeSeeds(config);
        var optimizer = OptimizerCatalog.Find(config.Optimizer).Create(agent.NamedParameters(), config.LearningRate);
        var update = new Update(agent, task, optimizer, config);
        start?.Invoke();
        string metricsPath = Path.Combine(dir, RunDirectory.MetricsFile);
        var divergence = new DivergenceRule();
        var (step, secondsBefore, sums) = Trainer.Restore(dir, config, agent, optimizer, resume, observer, divergence);
        var window = new MetricsWindow(sums);
        var clock = Stopwatch.StartNew();
        int firstStep = step;
        var loop = new TrainingLoop
        {
            Optimizer = optimizer,
            Schedule = Trainer.Schedule(config),
            Steps = config.Steps,
            // Each update's episodes and action draws come from its own generator, so a resumed run draws the same.
            Step = s => update.Run(new Rng(rolloutSeed + ((ulong)s * 0x9E3779B97F4A7C15UL))),
            Completed = (s, r) =>
            {
                window.Add(r, update.LastMeanReturn);
                observer?.OnStep(s, config.Steps, r.Loss, r.Accuracy, (s - firstStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
            },
            EvalEvery = config.EvalEvery,
            ValidateAtEnd = true,
            Validate = s =>
            {
                var val = PolicyEvaluation.Evaluate(agent, task, validationSeed, config.EvalEpisodes, config.Gamma);
                var record = new MetricsRecord(s, window.MeanLoss, window.MeanAccuracy, val.ValueLoss, val.SuccessRate, optimizer.LearningRate, secondsBefore + clock.Elapsed.TotalSeconds)
                {
                    TrainReturn = window.MeanReturn,
                    ValidationReturn = val.MeanReturn,
                };
                File.AppendAllText(metricsPath, JsonSerializer.Serialize(record, Trainer.MetricsJson) + "\n");
                observer?.OnEvaluation(record);
                window.Clear();
                return false;
            },
            Divergence = divergence,
            SaveEvery = config.SaveEvery,
            Save = s => Trainer.Save(dir, config, agent, optimizer, s, secondsBefore + clock.Elapsed.TotalSeconds, window.Sums, divergence),
        };
        var (end, at, last) = loop.Run(step, cancel);
        switch (end)
        {
            case TrainingLoopEnd.Diverged:
                return new TrainingResult(TrainingOutcome.Diverged, at, null, Trainer.DivergedMessage(dir, at, last, divergence, "update"));
            case TrainingLoopEnd.Interrupted:
                return new TrainingResult(TrainingOutcome.Interrupted, at, null, $"interrupted at update {at}; checkpoint saved, continue with: fastweights train --resume {dir}");
        }

        var test = PolicyEvaluation.Evaluate(agent, task, testSeed, config.TestEpisodes, config.Gamma);
        var result = new JsonObject
        {
            ["model"] = config.Model,
            ["hidden"] = config.Hidden,
            ["task"] = task.Name,
            ["steps"] = at,
            ["episodes_trained"] = (long)at * config.Batch,
            ["frames_trained"] = (long)at * config.Batch * task.EpisodeLength,
            ["test_success_rate"] = test.SuccessRate,
            ["test_mean_return"] = test.MeanReturn,
            ["test_error_rate"] = 1 - test.SuccessRate,
            ["test_count"] = test.Episodes,
            ["chance_success_rate"] = task.ChanceSuccessRate,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, RunDirectory.ResultFile), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        string msg = string.Create(CultureInfo.InvariantCulture, $"test {task.SuccessName} {test.SuccessRate * 100:F2}% (mean return {test.MeanReturn:+0.000;-0.000}) over {test.Episodes} greedy episodes; chance is about {task.ChanceSuccessRate * 100:F1}%");
        return new TrainingResult(TrainingOutcome.Completed, at, new EvaluationResult(test.ValueLoss, test.SuccessRate, test.Episodes), msg);
    }

    /// <summary>One A2C update: play a batch of episodes with the sampled policy, then one optimizer step on their loss.</summary>
    private sealed class Update(ActorCriticNetwork agent, IReinforcementTask task, Optimizer optimizer, TrainingConfig config)
    {
        private readonly OptimizationStep step = new(agent.Parameters(), optimizer, config.ClipNorm);
        private readonly EpisodeRecord record = new(config.Batch, task.EpisodeLength, task.ObservationSize, task.Actions, agent.Recurrent.HiddenSize, withDetails: false);
        private readonly IEpisodeBatch games = task.Create(config.Batch);
        private readonly float[] returns = new float[config.Batch * task.EpisodeLength];

        /// <summary>The mean return of the last update's episodes.</summary>
        public double LastMeanReturn { get; private set; }

        public TrainingStepResult Run(Rng rng)
        {
            games.Reset(rng);
            ActorCriticRollout.Play(agent, games, record, rng);
            int b = record.Episodes, t = record.Length;
            int successes = 0;
            double total = 0;
            for (int e = 0; e < b; e++)
            {
                double ret = record.Return(e);
                total += ret;
                successes += ret > 0 ? 1 : 0;
            }
            LastMeanReturn = total / b;

            using var scope = step.Begin();
            var observations = Tensor.Zeros(b, t, record.ObservationSize);
            record.Observations.CopyTo(observations.Span);
            var (logits, values) = agent.Forward(observations);
            // The returns bootstrap from the critic's values as constants.
            NStepReturns.Compute(record.Rewards, values.Span, t, config.Gamma, config.NStep, returns);
            var loss = Ops.ActorCriticLoss(logits, values, record.Actions, returns, config.ValueWeight, config.EntropyWeight);
            bool updated = step.Update(loss);
            return new TrainingStepResult(loss.Item(), successes, updated, b);
        }
    }
}
