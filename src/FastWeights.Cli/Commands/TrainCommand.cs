using System.CommandLine;
using System.Globalization;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Models;
using FastWeights.Programmers.Layers;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights train</c>: trains a model; with no options, fw-rnn at R=50 on the default task into runs/.</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter stdout)
    {
        var d = new TrainingConfig();
        var model = new Option<string>("--model", "-m") { Description = $"Model: {ModelCatalog.ValidNames}, {SequenceModelCatalog.ValidNames} (see 'fastweights models')", DefaultValueFactory = _ => d.Model };
        var task = new Option<string>("--task") { Description = "Task: assoc (associative retrieval, Ba et al. 2016 §4.1) or mqar (multi-query associative recall, Arora et al. 2023)", DefaultValueFactory = _ => d.Task };
        var vocab = new Option<int>("--vocab") { Description = "mqar: vocabulary size V (keys from the first half, values from the second)", DefaultValueFactory = _ => d.Vocab };
        var length = new Option<int>("--length") { Description = "mqar: sequence length T", DefaultValueFactory = _ => d.Length };
        var kvPairs = new Option<int>("--kv-pairs") { Description = "mqar: key-value pairs (and queries) per sequence", DefaultValueFactory = _ => d.KvPairs };
        var dModel = new Option<int>("--d-model") { Description = "Sequence models: model size D", DefaultValueFactory = _ => d.DModel };
        var layers = new Option<int>("--layers") { Description = "Sequence models: number of blocks", DefaultValueFactory = _ => d.Layers };
        var heads = new Option<int>("--heads") { Description = "Sequence models: heads per layer", DefaultValueFactory = _ => d.Heads };
        var mlpRatio = new Option<int>("--mlp-ratio") { Description = "Sequence models: MLP size as a multiple of D (0: no MLP)", DefaultValueFactory = _ => d.MlpRatio };
        var shortConv = new Option<bool>("--short-conv") { Description = "Fast-weight layers: short causal convolution on q, k, v (true/false)", DefaultValueFactory = _ => d.ShortConv };
        var hidden = new Option<int>("--hidden", "-R") { Description = "Recurrent units R", DefaultValueFactory = _ => d.Hidden };
        var pairs = new Option<int>("--pairs", "-K") { Description = "Key-value pairs per sequence K", DefaultValueFactory = _ => d.Pairs };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps", DefaultValueFactory = _ => d.Steps };
        var batch = new Option<int>("--batch") { Description = "Examples per step", DefaultValueFactory = _ => d.Batch };
        var lr = new Option<float>("--lr") { Description = "Peak Adam learning rate (linear warm-up, then cosine decay)", DefaultValueFactory = _ => d.LearningRate };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up steps", DefaultValueFactory = _ => d.WarmupSteps };
        var clip = new Option<float>("--clip") { Description = "Global gradient-norm clipping threshold", DefaultValueFactory = _ => d.ClipNorm };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data, initialisation and batch order", DefaultValueFactory = _ => d.Seed };
        var lambda = new Option<float>("--lambda") { Description = "Fast-weights decay λ in [0, 1]", DefaultValueFactory = _ => d.Lambda };
        var eta = new Option<float>("--eta") { Description = "Fast-weights learning rate η", DefaultValueFactory = _ => d.Eta };
        var inner = new Option<int>("--inner-steps", "-S") { Description = "Inner-loop steps S", DefaultValueFactory = _ => d.InnerSteps };
        var form = new Option<FastWeightsForm>("--form") { Description = "Fast-weights computation: Auto (efficient when T < R), Explicit, Efficient", DefaultValueFactory = _ => d.Form };
        var evalEvery = new Option<int>("--eval-every") { Description = "Steps between validations", DefaultValueFactory = _ => d.EvalEvery };
        var saveEvery = new Option<int>("--save-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => d.SaveEvery };
        var trainSize = new Option<int>("--train-size") { Description = "Training examples", DefaultValueFactory = _ => d.TrainSize };
        var valSize = new Option<int>("--validation-size") { Description = "Validation examples", DefaultValueFactory = _ => d.ValidationSize };
        var testSize = new Option<int>("--test-size") { Description = "Test examples", DefaultValueFactory = _ => d.TestSize };
        var output = new Option<string?>("--out", "-o") { Description = "Run directory (default: runs/<model>-r<R>-s<seed>, numbered if taken)" };
        var resume = new Option<string?>("--resume") { Description = "Continue the interrupted run in this directory (other options are taken from its config.json)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the final result" };

        var cmd = new Command("train", "Train a model; writes config.json, metrics.jsonl and model.safetensors into the run directory.")
        {
            model, task, vocab, length, kvPairs, dModel, layers, heads, mlpRatio, shortConv, hidden, pairs, steps, batch, lr, warmup, clip, seed, lambda, eta, inner, form, evalEvery, saveEvery,
            trainSize, valSize, testSize, output, resume, quiet,
        };
        cmd.SetAction(p =>
        {
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true; // finish the step, save, then exit
                cts.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                bool q = p.GetValue(quiet);
                TrainingResult result;
                if (p.GetValue(resume) is { } resumeDir)
                {
                    RunDirectory.ReadConfig(resumeDir);
                    result = TrainingConsole.Run(stdout, q, $"resuming {resumeDir}", o => Trainer.Resume(resumeDir, o, cts.Token));
                }
                else
                {
                    var config = new TrainingConfig
                    {
                        Model = SequenceModelCatalog.Find(p.GetValue(model)!).Name,
                        Task = p.GetValue(task)!.ToLowerInvariant(),
                        Vocab = p.GetValue(vocab),
                        Length = p.GetValue(length),
                        KvPairs = p.GetValue(kvPairs),
                        DModel = p.GetValue(dModel),
                        Layers = p.GetValue(layers),
                        Heads = p.GetValue(heads),
                        MlpRatio = p.GetValue(mlpRatio),
                        ShortConv = p.GetValue(shortConv),
                        Hidden = p.GetValue(hidden),
                        Pairs = p.GetValue(pairs),
                        Steps = p.GetValue(steps),
                        Batch = p.GetValue(batch),
                        LearningRate = p.GetValue(lr),
                        WarmupSteps = p.GetValue(warmup),
                        ClipNorm = p.GetValue(clip),
                        Seed = p.GetValue(seed),
                        Lambda = p.GetValue(lambda),
                        Eta = p.GetValue(eta),
                        InnerSteps = p.GetValue(inner),
                        Form = p.GetValue(form),
                        EvalEvery = p.GetValue(evalEvery),
                        SaveEvery = p.GetValue(saveEvery),
                        TrainSize = p.GetValue(trainSize),
                        ValidationSize = p.GetValue(valSize),
                        TestSize = p.GetValue(testSize),
                    };
                    config.Validate();
                    string dir = p.GetValue(output) ?? DefaultRunDirectory(config);
                    string title = config.IsSequenceRun()
                        ? string.Create(CultureInfo.InvariantCulture, $"training {config.Model} (D={config.DModel}, {config.Layers} layers, {config.Heads} heads) on {config.Task} for {config.Steps} steps into {dir}")
                        : string.Create(CultureInfo.InvariantCulture, $"training {config.Model} (R={config.Hidden}, K={config.Pairs}) for {config.Steps} steps into {dir}");
                    result = TrainingConsole.Run(stdout, q, title, o => Trainer.Train(config, dir, o, cts.Token));
                }
                return result.Outcome switch
                {
                    TrainingOutcome.Completed => ExitCodes.Ok,
                    TrainingOutcome.Interrupted => ExitCodes.Interrupted,
                    _ => ExitCodes.Failed,
                };
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return cmd;
    }

    private static string DefaultRunDirectory(TrainingConfig c)
    {
        string baseName = Path.Combine("runs", c.IsSequenceRun()
            ? string.Create(CultureInfo.InvariantCulture, $"{c.Model}-{c.Task}-d{c.DModel}-s{c.Seed}")
            : string.Create(CultureInfo.InvariantCulture, $"{c.Model}-r{c.Hidden}-s{c.Seed}"));
        string dir = baseName;
        for (int i = 2; Directory.Exists(dir); i++)
        {
            dir = baseName + "-" + i.ToString(CultureInfo.InvariantCulture);
        }
        return dir;
    }
}
