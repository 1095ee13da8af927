using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Training;
using FastWeights.Training.Reinforcement;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights test</c>: accuracy and error rate of a trained run on a split or a text file.</summary>
internal static class TestCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var split = new Option<string>("--split") { Description = "Split to evaluate: train, validation or test", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("train", "validation", "test");
        var data = new Option<string?>("--data")
        {
            Description = "Evaluate on this text file instead of a split: one 'sequence<TAB>answer' per line (assoc), or one sequence of space-separated token ids per line (mqar, as 'data export' writes)",
        };
        var episodes = new Option<int?>("--episodes") { Description = "Reinforcement tasks (catch): greedy episodes to play (default: the run's --test-episodes); the split picks which seeded set" };
        var scoring = new Option<string?>("--scoring")
        {
            Description = "Language models: 'window' scores each window from a zero state, 'carried' each from the state the previous window of its stream left (fast weight programmers); default: as the run was trained",
        };
        scoring.AcceptOnlyFromAmong("window", "carried");
        var json = CommonOptions.Json();
        var cmd = new Command("test", "Evaluate a trained run: accuracy and error rate (MQAR: at the query positions; catch: the greedy policy's catch rate).") { run, split, data, episodes, scoring, json };
        cmd.SetAction(p =>
        {
            string dir = p.GetValue(run)!;
            string? file = p.GetValue(data);
            if (TaskCatalog.IsReinforcement(RunDirectory.ReadConfig(dir)))
            {
                return TestAgent(stdout, dir, p.GetValue(split)!, file, p.GetValue(episodes), p.GetValue(json));
            }
            if (p.GetValue(episodes) is not null)
            {
                throw new CliException("--episodes is for runs on a reinforcement task (catch)");
            }
            if (file is not null && Directory.Exists(file))
            {
                throw new CliException($"data file '{file}' is a directory, not a file");
            }
            if (file is not null && !File.Exists(file))
            {
                throw new CliException($"data file '{file}' does not exist");
            }
            string name = file ?? p.GetValue(split)!;
            var config = RunDirectory.ReadConfig(dir);
            var (_, model) = RunDirectory.LoadModel(dir);
            var task = TaskCatalog.Create(config);
            var set = file is not null ? RunDirectory.ReadDataFile(config, file) : RunDirectory.Splits(config, model)[name];
            if (set.Layout != model.Predicts)
            {
                set = set.AtEveryPosition();
            }
            // A run trained with carried state is scored as it was validated (window after window from the carried state),
            // unless --scoring says otherwise.
            string? how = p.GetValue(scoring);
            bool carried = how is null ? config.CarryState : how == "carried";
            if (how is not null && task is not Tasks.LanguageModelling.LanguageModelTask)
            {
                throw new CliException($"--scoring is for language-model runs (--task lm), not --task {task.Name}");
            }
            if (carried && model is not SequenceModel { CanCarryState: true })
            {
                throw new CliException($"--scoring carried needs a model whose state can be carried from window to window: a fast weight programmer ({string.Join(", ", ModelCatalog.All.Where(m => m.CanCarryState).Select(m => m.Name))}); --model {config.Model} cannot");
            }
            var r = Evaluator.Evaluate(model, set, carried);
            if (p.GetValue(json))
            {
                var doc = new System.Text.Json.Nodes.JsonObject { ["split"] = name, ["accuracy"] = r.Accuracy, ["error_rate"] = r.ErrorRate, ["loss"] = r.Loss, ["count"] = r.Count };
                foreach (var (key, value) in task.Measures(r, set))
                {
                    doc[key] = value;
                }
                stdout.WriteLine(doc.ToJsonString());
            }
            else
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {task.AccuracyName} {r.Accuracy * 100:F2}%, error rate {r.ErrorRate * 100:F2}%, loss {r.Loss:F4}{task.MeasuresText(r, set)} on {r.Count} {task.ScoredName} ({Describe(config)})"));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    // A run on a reinforcement task: the greedy policy on the run's seeded validation or test episodes.
    private static int TestAgent(TextWriter stdout, string dir, string split, string? file, int? episodes, bool json)
    {
        if (file is not null)
        {
            throw new CliException("--data is for sequence tasks; an agent is tested on seeded episodes (--episodes N)");
        }
        if (split == "train")
        {
            throw new CliException("--split train: an agent trains on fresh episodes every update; test it on --split validation or test");
        }
        if (episodes is < 1)
        {
            throw new CliException("--episodes must be at least 1");
        }
        var (config, agent, task) = RunDirectory.LoadAgent(dir);
        var seeds = ActorCriticTrainer.EpisodeSeeds(config);
        int count = episodes ?? (split == "test" ? config.TestEpisodes : config.EvalEpisodes);
        var score = PolicyEvaluation.Evaluate(agent, task, split == "test" ? seeds.Test : seeds.Validation, count, config.Gamma);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { split, success_rate = score.SuccessRate, error_rate = 1 - score.SuccessRate, mean_return = score.MeanReturn, value_loss = score.ValueLoss, count = score.Episodes, chance_success_rate = task.ChanceSuccessRate }));
        }
        else
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{split}: {task.SuccessName} {score.SuccessRate * 100:F2}% (mean return {score.MeanReturn:+0.000;-0.000}) over {score.Episodes} greedy episodes ({config.Model}, R={config.Hidden}, {config.Size}×{config.Size} blank after {config.BlankAfter}); chance is about {task.ChanceSuccessRate * 100:F1}%"));
        }
        return ExitCodes.Ok;
    }

    /// <summary>The model's sizes in one phrase: R for the network of Ba et al., D and the layers for a per-position model.</summary>
    public static string Describe(TrainingConfig config) => config.IsSequenceRun()
        ? string.Create(CultureInfo.InvariantCulture, $"{config.Model} on {config.Task}, D={config.DModel}, {config.Layers} layer{(config.Layers == 1 ? "" : "s")}")
        : string.Create(CultureInfo.InvariantCulture, $"{config.Model}, R={config.Hidden}");
}
