using FastWeights.Models;
using FastWeights.Optim;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Bench;

/// <summary>
/// Our side of the language-model workloads (one configuration per process, one JSON line each): a whole training step
/// of a byte-level LM of the catalog (<c>deltanet</c> or <c>transformer</c>: embedding, pre-norm blocks, final norm,
/// head; cross-entropy at every position, backward, clipping at 5, Adam), and streaming generation one token at a time.
/// </summary>
internal static class LanguageModelWorkloads
{
    /// <summary>
    /// <c>lm-train [--model deltanet|transformer|any sequence model] [--batch 16] [--context 256] [--model-dim 256] [--heads 4]
    /// [--layers 2] [--hidden 50 (recurrent models)] [--samples 5] [--sample-ms 300]</c>: ms per <see cref="TrainingStep"/> on
    /// random bytes (a new batch each step).
    /// </summary>
    public static int Train(string[] args) => Train(args, Console.Out);

    /// <inheritdoc cref="Train(string[])"/>
    public static int Train(string[] args, TextWriter output)
    {
        string name = Sampling.Option(args, "--model", "deltanet");
        int batch = Sampling.IntOption(args, "--batch", 16), context = Sampling.IntOption(args, "--context", 256);
        int samples = Sampling.IntOption(args, "--samples", 5), warmup = Sampling.IntOption(args, "--warmup", 2);
        double sampleSeconds = Sampling.DoubleOption(args, "--sample-ms", 300) / 1000;
        int threads = FwRnnWorkloads.ApplyThreads(args);
        Kernels.KernelThreads.MaxThreads = threads;
        var model = Create(args, name, context);
        // As the trainer runs it: batches of 16 or more data parallel over two replicas.
        var step = new TrainingStep(model, new Adam(model.NamedParameters(), 1e-3f), clipNorm: 5f, replicate: () => Create(args, name, context));
        var rng = new Rng(2);
        var inputs = new int[batch * context];
        var targets = new int[batch * context];
        TrainingStepResult last = default;
        void Step()
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = rng.NextInt(256);
                targets[i] = rng.NextInt(256);
            }
            last = step.Run(inputs, targets, batch, context);
        }
        var ms = Sampling.MillisecondsPerCall(Step, warmup, samples, sampleSeconds, out double cpuMs);
        output.WriteLine(Sampling.JsonLine([
            ("workload", "lm-train"), ("impl", "ours"), ("variant", name), ("batch", batch), ("context", context),
            ("model_dim", model.Options.ModelDim), ("heads", model.Options.Heads), ("layers", model.Options.Layers), ("threads", threads),
            ("parameters", model.ParameterCount()), ("ms", Sampling.Median(ms)), ("cpu_ms", cpuMs), ("samples", ms),
            ("tokens_per_second", batch * context / (Sampling.Median(ms) / 1000)), ("peak_rss_mib", Sampling.PeakResidentMiB()), ("loss", (double)last.Loss),
        ]));
        return 0;
    }

    /// <summary>
    /// <c>lm-generate [--model transformer|deltanet] [--length 256] [--model-dim 256] [--heads 4] [--layers 2]</c>: µs per
    /// token streaming a fresh sequence of <c>--length</c> random bytes, batch 1, logits after every token (the
    /// transformer through its key–value cache, which grows to the length).
    /// </summary>
    public static int Generate(string[] args) => Generate(args, Console.Out);

    /// <inheritdoc cref="Generate(string[])"/>
    public static int Generate(string[] args, TextWriter output)
    {
        string name = Sampling.Option(args, "--model", "transformer");
        int length = Sampling.IntOption(args, "--length", 256), samples = Sampling.IntOption(args, "--samples", 7);
        double sampleSeconds = Sampling.DoubleOption(args, "--sample-ms", 300) / 1000;
        int threads = FwRnnWorkloads.ApplyThreads(args);
        Kernels.KernelThreads.MaxThreads = threads;
        var model = Create(args, name, length);
        var rng = new Rng(2);
        var tokens = new int[length];
        for (int i = 0; i < length; i++)
        {
            tokens[i] = rng.NextInt(256);
        }
        var logits = new float[256];
        void Run()
        {
            var state = model.CreateState(1);
            foreach (int token in tokens)
            {
                model.Step(state, [token], logits);
            }
        }
        var ms = Sampling.MillisecondsPerCall(Run, 2, samples, sampleSeconds, out double cpuMs);
        var us = ms.Select(m => m * 1000 / length).ToArray();
        output.WriteLine(Sampling.JsonLine([
            ("workload", "lm-generate"), ("impl", "ours"), ("variant", name), ("model_dim", model.Options.ModelDim), ("heads", model.Options.Heads),
            ("layers", model.Options.Layers), ("batch", 1), ("length", length), ("threads", threads), ("us", Sampling.Median(us)),
            ("cpu_us", cpuMs * 1000 / length), ("samples", us), ("peak_rss_mib", Sampling.PeakResidentMiB()), ("logit0", (double)logits[0]),
        ]));
        return 0;
    }

    // The catalog's byte-level model (vocabulary and classes 256), learned positions for the transformer's window.
    private static SequenceModel Create(string[] args, string name, int positions)
    {
        var spec = ModelCatalog.Find(name);
        return spec.CreateSequenceModel(new Rng(1), 256, 256, new SequenceModelOptions
        {
            ModelDim = Sampling.IntOption(args, "--model-dim", 256),
            Heads = Sampling.IntOption(args, "--heads", 4),
            Layers = Sampling.IntOption(args, "--layers", 2),
            MaxPositions = spec.NeedsPositions ? positions : 0,
            RecurrentHidden = Sampling.IntOption(args, "--hidden", 50),
        });
    }
}
