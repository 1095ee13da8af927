using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastWeights.Models;
using FastWeights.Nn;
using FastWeights.Optim;
using FastWeights.Serialization;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// The one training entry point: trains the network a <see cref="TrainingConfig"/> describes with Adam, a
/// warm-up + cosine learning-rate schedule and global-norm clipping; validates every <c>EvalEvery</c> steps,
/// checkpoints atomically every <c>SaveEvery</c> steps, resumes bit-identically, and evaluates the test split at the end.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Starts a new run in <paramref name="dir"/> (which must not already hold one). A run whose
    /// <see cref="MemoryEstimate"/> exceeds the memory it may use is refused before the directory is made; the
    /// configuration is written only once the task, the model and the data exist, so a run that cannot start (unreadable
    /// images, no memory) leaves no run behind, and a directory this call made is removed again. A run that runs out of
    /// memory before its first checkpoint is removed the same way (its configuration and metrics), so the same command
    /// can be tried again with smaller sizes.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid, or the run needs more memory than it may use.</exception>
    public static TrainingResult Train(TrainingConfig config, string dir, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        MemoryEstimate.ForTraining(config).EnsureFits(config);
        bool created = !Directory.Exists(dir);
        bool started = false;
        var writer = RunLock.Acquire(dir);
        try
        {
            if (File.Exists(Path.Combine(dir, RunDirectory.CheckpointFile)) || File.Exists(Path.Combine(dir, RunDirectory.ConfigFile)))
            {
                throw new IOException($"'{dir}' already holds a run: continue it with --resume {dir}, or choose another --out");
            }
            if (Results(dir, countMetrics: true) is { } found)
            {
                throw new IOException($"'{dir}' holds {found} but no run configuration; refusing to overwrite it: choose another --out");
            }
            RemoveStaleTemporaryFiles(dir, observer);
            return Run(config, dir, resume: false, observer, cancel, start: () =>
            {
                AtomicFile.WriteAllText(Path.Combine(dir, RunDirectory.ConfigFile), config.ToJson() + "\n");
                File.WriteAllText(Path.Combine(dir, RunDirectory.MetricsFile), string.Empty);
                started = true;
            });
        }
        catch when (created && !started)
        {
            writer.Dispose();
            RemoveUnstartedRun(dir, started, created);
            throw;
        }
        catch (OutOfMemoryException) when (!File.Exists(Path.Combine(dir, RunDirectory.CheckpointFile)))
        {
            // Out of memory before the first checkpoint (typically in the first step): nothing could continue from
            // here with these settings, so the run is removed as if it had not started.
            writer.Dispose();
            RemoveUnstartedRun(dir, started, created);
            throw;
        }
        finally
        {
            writer.Dispose();
        }
    }

    // What Train wrote for a run that never got going: its configuration and empty metrics if it had started, the lock
    // files, and the directory itself if Train made it, so that nothing run-like is left. Best effort.
    private static void RemoveUnstartedRun(string dir, bool started, bool created)
    {
        try
        {
            var files = new List<string>();
            if (started)
            {
                files.AddRange([RunDirectory.ConfigFile, RunDirectory.MetricsFile]);
            }
            if (created)
            {
                files.AddRange([RunLock.FileName, RunLock.OwnerFileName]);
            }
            foreach (string file in files)
            {
                File.Delete(Path.Combine(dir, file));
            }
            if (created && !Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Directory.Delete(dir);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left as it is: it holds no configuration, so the same command can use it again.
        }
    }

    /// <summary>Continues the run in <paramref name="dir"/> from its last checkpoint (refused, as <see cref="Train"/> is, when it needs more memory than it may use).</summary>
    public static TrainingResult Resume(string dir, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        var config = RunDirectory.ReadConfig(dir);
        MemoryEstimate.ForTraining(config).EnsureFits(config);
        using var writer = RunLock.Acquire(dir);
        bool checkpoint = File.Exists(Path.Combine(dir, RunDirectory.CheckpointFile));
        // Without a checkpoint a run starts over, which is right only for a run that died before its first one.
        // (Metrics lines alone do not count: a run killed between its first validation and its first checkpoint starts over.)
        if (!checkpoint && Results(dir, countMetrics: false) is { } found)
        {
            throw new IOException($"'{dir}' has no {RunDirectory.CheckpointFile} to resume from but holds {found}; refusing to start it over (train it again into another --out)");
        }
        RemoveStaleTemporaryFiles(dir, observer);
        return Run(config, dir, resume: checkpoint, observer, cancel);
    }

    // Under the run lock no other process is mid-save, so temporaries of the run's files are what killed saves left behind.
    private static void RemoveStaleTemporaryFiles(string dir, ITrainingObserver? observer)
    {
        var removed = RunDirectory.RemoveStaleTemporaryFiles(dir);
        if (removed.Count > 0)
        {
            string files = removed.Count == 1 ? "file" : "files";
            observer?.OnMessage($"removed {removed.Count} temporary {files} left in {dir} by an interrupted save: {string.Join(", ", removed)}");
        }
    }

    // What a directory holds that a fresh start would overwrite: weights, a result, or (when counted) metrics lines; null when none.
    private static string? Results(string dir, bool countMetrics)
    {
        foreach (string file in new[] { RunDirectory.ModelFile, RunDirectory.ResultFile })
        {
            if (File.Exists(Path.Combine(dir, file)))
            {
                return file;
            }
        }
        string metrics = Path.Combine(dir, RunDirectory.MetricsFile);
        return countMetrics && File.Exists(metrics) && new FileInfo(metrics).Length > 0 ? RunDirectory.MetricsFile + " records" : null;
    }

    /// <summary>The seed the data splits of a run are generated from (the first draw of the run's generator).</summary>
    public static ulong DataSeed(TrainingConfig config) => new Rng(config.Seed).NextUInt64();

    // Builds the run and trains it; a fresh run's files are written by start, called once everything is built.
    private static TrainingResult Run(TrainingConfig config, string dir, bool resume, ITrainingObserver? observer, CancellationToken cancel, Action? start = null)
    {
        if (TaskCatalog.IsReinforcement(config))
        {
            return Reinforcement.ActorCriticTrainer.Run(config, dir, resume, observer, cancel, start);
        }
        var task = TaskCatalog.Create(config);
        // One generator, consumed in a fixed order: the data seed, the batch-order seed, then the initial weights. A
        // data-parallel step's replicas are built the same way, so they match the model in everything but the weights
        // it copies into them at every step.
        (ulong Data, ulong Order, TokenModel Model) Build()
        {
            var rng = new Rng(config.Seed);
            ulong data = rng.NextUInt64(), order = rng.NextUInt64();
            return (data, order, ModelCatalog.Find(config.Model).Create(config, task, rng));
        }
        var (dataSeed, orderSeed, model) = Build();
        var splits = Splits(task, model, config, dataSeed);
        var optimizer = OptimizerCatalog.Find(config.Optimizer).Create(model.NamedParameters(), config.LearningRate);
        var schedule = Schedule(config);
        var order = new BatchOrder(orderSeed, splits.Train.Count);
        int batch = config.Batch;
        int length = splits.Train.Length;
        var indices = new int[batch];
        var inputs = new int[batch * length];
        var targets = new int[batch * splits.Train.TargetsPerSequence];
        // Forward, loss, backward, clipping, Adam; its tensors are recycled from step to step.
        // Batches of 16 or more are data parallel over --shards replicas; the split is fixed, so the run is the same
        // whatever the thread count.
        var trainingStep = new TrainingStep(model, optimizer, config.ClipNorm, replicate: () => Build().Model, shards: config.Shards);
        // With --carry-state the batch is B streams of consecutive windows, each step continuing each stream's state.
        var carried = config.CarryState ? CarriedTraining.Create(config, model, splits.Train, splits.Validation) : null;
        start?.Invoke();

        string metricsPath = Path.Combine(dir, RunDirectory.MetricsFile);
        var divergence = new DivergenceRule();
        var (step, secondsBefore, sums) = Restore(dir, config, model, optimizer, resume, observer, divergence, carried?.Tensors);
        // The running sums of the metrics line being built survive a resume (they are saved with the checkpoint), so a
        // resumed metrics.jsonl equals the uninterrupted one.
        var window = new MetricsWindow(sums);
        PeakMemory.Reset();
        var clock = Stopwatch.StartNew();
        int firstStep = step;
        var loop = new TrainingLoop
        {
            Optimizer = optimizer,
            Schedule = schedule,
            Steps = config.Steps,
            Step = s =>
            {
                if (carried is not null)
                {
                    carried.Batch(s, indices);
                }
                else
                {
                    order.Batch(s, indices);
                }
                splits.Train.Gather(indices, inputs, targets);
                return trainingStep.Run(inputs, targets, batch, length, carried?.State);
            },
            Completed = (s, r) =>
            {
                window.Add(r);
                observer?.OnStep(s, config.Steps, r.Loss, r.Accuracy, (s - firstStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
            },
            EvalEvery = config.EvalEvery,
            ValidateAtEnd = true,
            Validate = s =>
            {
                var val = Evaluator.Evaluate(model, splits.Validation, config.CarryState);
                var record = new MetricsRecord(s, window.MeanLoss, window.MeanAccuracy, val.Loss, val.Accuracy, optimizer.LearningRate, secondsBefore + clock.Elapsed.TotalSeconds);
                File.AppendAllText(metricsPath, JsonSerializer.Serialize(record, MetricsJson) + "\n");
                observer?.OnEvaluation(record);
                window.Clear();
                return false;
            },
            Divergence = divergence,
            SaveEvery = config.SaveEvery,
            Save = s => Save(dir, config, model, optimizer, s, secondsBefore + clock.Elapsed.TotalSeconds, window.Sums, divergence, carried?.Tensors),
        };
        var (end, at, last) = loop.Run(step, cancel);
        switch (end)
        {
            case TrainingLoopEnd.Diverged:
                return new TrainingResult(TrainingOutcome.Diverged, at, null, DivergedMessage(dir, at, last, divergence, "step"));
            case TrainingLoopEnd.Interrupted:
                string interrupted = $"interrupted at step {at}; checkpoint saved, continue with: fastweights train --resume {dir}";
                return new TrainingResult(TrainingOutcome.Interrupted, at, null, interrupted);
        }
        return Finish(config, dir, task, model, splits, at, secondsBefore + clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The splits of a run as its model is trained and scored on them: the task's data from the run's data seed, with
    /// targets at every position when the model predicts at every position.
    /// </summary>
    public static DataSplits Splits(ISequenceTask task, TokenModel model, TrainingConfig config, ulong dataSeed)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var splits = task.Generate(dataSeed, config.TrainSize, config.ValidationSize, config.TestSize);
        return model.Predicts == TargetLayout.EveryPosition ? splits.AtEveryPosition() : splits;
    }

    private static TrainingResult Finish(TrainingConfig config, string dir, ISequenceTask task, TokenModel model, DataSplits splits, int step, double seconds)
    {
        var test = Evaluator.Evaluate(model, splits.Test, config.CarryState);
        var result = new JsonObject { ["model"] = config.Model };
        foreach (var (key, value) in model.Describe(task))
        {
            result[key] = value;
        }
        result["steps"] = step;
        result["parameters"] = model.ParameterCount();
        // Training time (validations included) across resumes; tokens are the input positions of the training batches.
        result["training_seconds"] = seconds;
        result["training_tokens_per_second"] = (double)step * config.Batch * splits.Train.Length / Math.Max(seconds, 1e-9);
        // The high-water mark of this process since the run (or its last resume) started, the test evaluation included.
        result["peak_memory_mb"] = Math.Round(PeakMemory.Bytes() / 1e6, 1);
        result["test_accuracy"] = test.Accuracy;
        result["test_error_rate"] = test.ErrorRate;
        result["test_loss"] = test.Loss;
        result["test_count"] = test.Count;
        foreach (var (key, value) in task.Measures(test, splits.Test))
        {
            result["test_" + key] = value;
        }
        AtomicFile.WriteAllText(Path.Combine(dir, RunDirectory.ResultFile), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        int errors = (int)Math.Round(test.ErrorRate * test.Count);
        string scored = model.Predicts == TargetLayout.OnePerSequence ? task.ScoredName : "scored positions";
        string msg = string.Create(CultureInfo.InvariantCulture, $"test accuracy {test.Accuracy * 100:F3}% ({errors} errors in {test.Count} {scored}){task.MeasuresText(test, splits.Test)}");
        return new TrainingResult(TrainingOutcome.Completed, step, test, msg);
    }

    /// <summary>
    /// Why a run stopped as diverged, and what is kept: a step after <paramref name="at"/> whose loss or gradient was not
    /// finite (nothing updated), or a finite loss that broke <see cref="DivergenceRule"/> at step <paramref name="at"/>;
    /// the last checkpoint, or none yet.
    /// </summary>
    internal static string DivergedMessage(string dir, int at, TrainingStepResult last, DivergenceRule rule, string unit)
    {
        string checkpoint = Path.Combine(dir, RunDirectory.CheckpointFile);
        string kept = File.Exists(checkpoint)
            ? $"the last checkpoint ({unit} {CheckpointStep(checkpoint)}) is kept"
            : "no checkpoint was written before it, so nothing is kept";
        float loss = last.Loss;
        string why = last.Updated
            ? string.Create(CultureInfo.InvariantCulture, $"training stopped at {unit} {at}: the loss ({loss:G4}) stayed above {rule.Threshold:G4} ({DivergenceRule.Margin} + {DivergenceRule.Factor} × its best smoothed value, {rule.Best:G4}) for {DivergenceRule.Patience} {unit}s")
            : float.IsFinite(loss)
            ? string.Create(CultureInfo.InvariantCulture, $"training stopped at {unit} {at + 1}: the gradient became NaN or infinite (the loss was {loss:G4})")
            : string.Create(CultureInfo.InvariantCulture, $"training stopped at {unit} {at + 1}: the loss became {loss}");
        return $"{why}; {kept} (try a lower --lr)";
    }

    private static string CheckpointStep(string path)
    {
        try
        {
            return SafeTensorsFile.ReadHeader(path).Metadata.TryGetValue("step", out string? step) ? step : "?";
        }
        catch (Exception e) when (e is IOException or CheckpointFormatException)
        {
            return "?";
        }
    }

    internal static void Save(string dir, TrainingConfig config, Nn.Module network, Optimizer optimizer, int step, double seconds, RunningMetrics sums, DivergenceRule divergence,
        IReadOnlyList<KeyValuePair<string, Tensor>>? carriedState = null)
    {
        var meta = new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["seconds"] = seconds.ToString("R", CultureInfo.InvariantCulture),
            ["format"] = "fastweights-checkpoint-1",
            ["metrics_loss_sum"] = sums.Loss.ToString("R", CultureInfo.InvariantCulture),
            ["metrics_accuracy_sum"] = sums.Accuracy.ToString("R", CultureInfo.InvariantCulture),
            ["metrics_steps"] = sums.Steps.ToString(CultureInfo.InvariantCulture),
            ["metrics_return_sum"] = sums.Return.ToString("R", CultureInfo.InvariantCulture),
            // The settings the weights were trained with, so a resume can tell that config.json was edited since.
            [ConfigMetadataKey] = config.SettingsJson().ToJsonString(),
        };
        divergence.Save(meta);
        // The resumable checkpoint first: model.safetensors is never newer than it.
        ModuleCheckpoint.Save(network, Path.Combine(dir, RunDirectory.CheckpointFile), meta, optimizer, carriedState);
        ModuleCheckpoint.Save(network, Path.Combine(dir, RunDirectory.ModelFile), meta);
    }

    /// <summary>The learning-rate schedule of a run: linear warm-up (capped below the run length so short runs still decay), then cosine decay to the floor.</summary>
    internal static CosineSchedule Schedule(TrainingConfig config) =>
        new(config.LearningRate, config.Steps, Math.Min(config.WarmupSteps, config.Steps - 1), config.LearningRate * config.MinLearningRateFraction);

    /// <summary>
    /// Loads the run's checkpoint into <paramref name="model"/> and <paramref name="optimizer"/> when resuming and drops
    /// metrics lines after it; a fresh start (or a run that died before its first checkpoint) starts its metrics over.
    /// Returns the step and training seconds to continue from, and the running sums of the next metrics line (zero for
    /// checkpoints written before they were saved).
    /// </summary>
    internal static (int Step, double Seconds, RunningMetrics Sums) Restore(string dir, TrainingConfig config, Module model, Optimizer optimizer, bool resume, ITrainingObserver? observer, DivergenceRule divergence,
        IReadOnlyList<KeyValuePair<string, Tensor>>? carriedState = null)
    {
        int totalSteps = config.Steps;
        string metricsPath = Path.Combine(dir, RunDirectory.MetricsFile);
        if (!resume)
        {
            TruncateMetrics(metricsPath, 0, observer);
            return (0, 0, default);
        }
        string checkpointPath = Path.Combine(dir, RunDirectory.CheckpointFile);
        // Before the weights: an edited config.json may not even fit them, and its edit is the clearer message.
        CheckSettingsUnchanged(dir, config, checkpointPath);
        var meta = ModuleCheckpoint.Load(model, checkpointPath, optimizer, extra: carriedState);
        // The bookkeeping of the checkpoint: missing or malformed values are a format error naming the file.
        T Read<T>(string key, bool required, T fallback)
            where T : ISpanParsable<T>, IComparable<T>
        {
            if (!meta.TryGetValue(key, out string? text))
            {
                return required ? throw new CheckpointFormatException(checkpointPath, $"its metadata lacks '{key}'") : fallback;
            }
            return T.TryParse(text, CultureInfo.InvariantCulture, out T? value) && value.CompareTo(default!) >= 0
                ? value
                : throw new CheckpointFormatException(checkpointPath, $"its metadata '{key}' is not a number of 0 or more");
        }
        // A sum that may be negative (returns): absent is 0.
        double ReadSigned(string key) => !meta.TryGetValue(key, out string? text) ? 0
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value
            : throw new CheckpointFormatException(checkpointPath, $"its metadata '{key}' is not a number");
        int step = Read("step", required: true, 0);
        double seconds = Read("seconds", required: false, 0.0);
        var sums = meta.ContainsKey("metrics_steps")
            ? new RunningMetrics(Read("metrics_loss_sum", true, 0.0), Read("metrics_accuracy_sum", true, 0.0), Read("metrics_steps", true, 0)) { Return = ReadSigned("metrics_return_sum") }
            : default;
        if (!divergence.TryRestore(meta))
        {
            throw new CheckpointFormatException(checkpointPath, "its divergence-rule metadata is malformed");
        }
        TruncateMetrics(metricsPath, step, observer);
        observer?.OnMessage($"resumed from step {step} of {totalSteps}");
        return (step, seconds, sums);
    }

    /// <summary>The checkpoint metadata key holding the run's settings as compact JSON (<see cref="TrainingConfig.SettingsJson"/>).</summary>
    internal const string ConfigMetadataKey = "config";

    // A resumed run must continue the run its checkpoint holds: any setting edited in config.json since (another seed
    // trains on other data, another --steps follows another schedule) is refused. Checkpoints written before the settings
    // were recorded resume as before; settings added after a checkpoint was written are not in it and are not compared.
    private static void CheckSettingsUnchanged(string dir, TrainingConfig config, string checkpointPath)
    {
        if (!SafeTensorsFile.ReadHeader(checkpointPath).Metadata.TryGetValue(ConfigMetadataKey, out string? text))
        {
            return;
        }
        JsonObject saved;
        try
        {
            saved = JsonNode.Parse(text) as JsonObject ?? throw new CheckpointFormatException(checkpointPath, $"its metadata '{ConfigMetadataKey}' is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(checkpointPath, $"its metadata '{ConfigMetadataKey}' is not JSON ({e.Message})", e);
        }
        var now = config.SettingsJson();
        var changed = new List<string>();
        foreach (var (key, value) in saved)
        {
            if (now.TryGetPropertyValue(key, out var current) && Text(current) != Text(value))
            {
                changed.Add($"{key} is {Text(current)} in it but was {Text(value)}");
            }
        }
        if (changed.Count > 0)
        {
            throw new FormatException($"{Path.Combine(dir, RunDirectory.ConfigFile)} was edited since {RunDirectory.CheckpointFile} was written: {string.Join("; ", changed)}; put the old value back to resume (a run keeps its settings: train a new run to change them)");
        }

        static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";
    }

    /// <summary>The sums of training loss and accuracy over the <paramref name="Steps"/> steps since the last metrics line.</summary>
    internal readonly record struct RunningMetrics(double Loss, double Accuracy, int Steps)
    {
        /// <summary>The sum of the mean episode returns over those steps (reinforcement-learning runs; 0 otherwise).</summary>
        public double Return { get; init; }
    }

    // Drops metrics lines written after the checkpoint a resumed run restarts from. A torn last line (what a power cut
    // leaves) is dropped with a warning; any other line that is not a metrics record is a format error naming the file and line.
    internal static void TruncateMetrics(string path, int step, ITrainingObserver? observer = null)
    {
        if (!File.Exists(path))
        {
            return;
        }
        var sb = new StringBuilder();
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            int recordStep;
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                recordStep = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt32(out int v)
                    ? v
                    : throw new FormatException($"{path}:{i + 1}: a metrics record without an integer 'step'");
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                observer?.OnMessage($"dropped the torn last line of {path}");
                continue;
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{i + 1}: not a metrics record ({e.Message.ReplaceLineEndings(" ")})", e);
            }
            if (recordStep <= step)
            {
                sb.Append(lines[i]).Append('\n');
            }
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    internal static readonly JsonSerializerOptions MetricsJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
