using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastWeights.Autodiff;
using FastWeights.Optim;
using FastWeights.Programmers.Layers;
using FastWeights.Serialization;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// The training loop of sequence runs: per-position cross-entropy with an ignore index, otherwise the same as the
/// associative-retrieval path (Adam, warm-up + cosine, clipping, metrics.jsonl, atomic checkpoints, resume, result.json).
/// </summary>
internal static class SequenceTrainer
{
    public static TrainingResult Run(TrainingConfig config, string dir, bool resume, ITrainingObserver? observer, CancellationToken cancel)
    {
        // One generator, consumed in a fixed order: the data seed, the batch-order seed, then the initial weights.
        var rng = new Rng(config.Seed);
        ulong dataSeed = rng.NextUInt64();
        ulong orderSeed = rng.NextUInt64();
        var splits = SequenceTasks.Generate(config, dataSeed);
        var model = SequenceTasks.CreateModel(config, rng);
        var optimizer = new Adam(model.NamedParameters(), config.LearningRate);
        var schedule = Trainer.Schedule(config);

        string metricsPath = Path.Combine(dir, RunDirectory.MetricsFile);
        var (step, secondsBefore) = Trainer.Restore(dir, model, optimizer, resume, config.Steps, observer);
        if (step >= config.Steps)
        {
            return Finish(config, dir, model, splits, step);
        }

        var order = new BatchOrder(orderSeed, splits.Train.Count);
        int batch = config.Batch;
        int length = splits.Train.Length;
        var indices = new int[batch];
        var inputs = new int[batch * length];
        var targets = new int[batch * length];
        var parameters = model.Parameters();
        var arena = new TensorArena();
        double lossSum = 0, accSum = 0;
        int since = 0;
        var clock = Stopwatch.StartNew();
        int firstStep = step;

        while (step < config.Steps)
        {
            order.Batch(step, indices);
            splits.Train.Gather(indices, inputs, targets);
            optimizer.LearningRate = schedule.At(step);

            // As TrainingStep: the step's tensors (op outputs, their gradients, the parameters' gradients) come from
            // the arena and are recycled when the step ends, so a warmed-up step maps no new memory.
            float lossValue;
            double acc;
            var scope = arena.Activate();
            try
            {
                var logits = model.Forward(inputs, batch, length);
                var loss = Ops.CrossEntropy(logits, targets, PositionalDataset.IgnoreIndex);
                lossValue = loss.Item();
                if (!float.IsFinite(lossValue))
                {
                    string msg = $"training stopped at step {step + 1}: the loss became {lossValue}; the last good checkpoint is kept (try a lower --lr)";
                    return new TrainingResult(TrainingOutcome.Diverged, step, null, msg);
                }
                Tape.Backward(loss);
                GradientClipping.ClipGlobalNorm(parameters, config.ClipNorm);
                optimizer.Step();
                int scored = SequenceEvaluator.CountScored(targets);
                acc = scored == 0 ? 0 : (double)SequenceEvaluator.CountCorrect(logits.Span, targets, logits.Dim(-1)) / scored;
            }
            finally
            {
                // The gradients live in the arena: drop them before its buffers are recycled.
                optimizer.ZeroGrad();
                Tape.Reset();
                scope.Dispose();
                arena.Reset();
            }
            step++;

            lossSum += lossValue;
            accSum += acc;
            since++;
            double elapsed = clock.Elapsed.TotalSeconds;
            observer?.OnStep(step, config.Steps, lossValue, acc, (step - firstStep) / Math.Max(elapsed, 1e-9));

            if (step % config.EvalEvery == 0 || step == config.Steps)
            {
                var val = SequenceEvaluator.Evaluate(model, splits.Validation);
                var record = new MetricsRecord(step, lossSum / since, accSum / since, val.Loss, val.Accuracy, optimizer.LearningRate, secondsBefore + clock.Elapsed.TotalSeconds);
                File.AppendAllText(metricsPath, JsonSerializer.Serialize(record, Trainer.MetricsJson) + "\n");
                observer?.OnEvaluation(record);
                lossSum = accSum = 0;
                since = 0;
            }

            bool stopping = cancel.IsCancellationRequested;
            if (step % config.SaveEvery == 0 || step == config.Steps || stopping)
            {
                Trainer.Save(dir, model, optimizer, step, secondsBefore + clock.Elapsed.TotalSeconds);
            }
            if (stopping && step < config.Steps)
            {
                string msg = $"interrupted at step {step}; checkpoint saved, continue with: fastweights train --resume {dir}";
                return new TrainingResult(TrainingOutcome.Interrupted, step, null, msg);
            }
        }
        return Finish(config, dir, model, splits, step);
    }

    private static TrainingResult Finish(TrainingConfig config, string dir, SequenceModel model, PositionalSplits splits, int step)
    {
        var test = SequenceEvaluator.Evaluate(model, splits.Test);
        var result = new
        {
            model = config.Model,
            task = config.Task,
            d_model = config.DModel,
            layers = config.Layers,
            steps = step,
            test_accuracy = test.Accuracy,
            test_error_rate = test.ErrorRate,
            test_loss = test.Loss,
            test_count = test.Count,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, RunDirectory.ResultFile), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        int errors = (int)Math.Round(test.ErrorRate * test.Count);
        string msg = string.Create(CultureInfo.InvariantCulture, $"test accuracy {test.Accuracy * 100:F3}% ({errors} errors in {test.Count} scored positions)");
        return new TrainingResult(TrainingOutcome.Completed, step, test, msg);
    }
}
