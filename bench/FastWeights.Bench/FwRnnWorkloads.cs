using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace FastWeights.Bench;

/// <summary>
/// Our side of the fast-weights RNN workloads (one configuration per process; the runner alternates these
/// processes with the PyTorch peer's): the training step of Ba et al.'s associative-retrieval network
/// (embedding 100 → fw-rnn with layer norm → 100 ReLU → 10-way softmax, Adam, global-norm clipping) and
/// streaming inference one token at a time. Each prints one JSON line.
/// </summary>
internal static class FwRnnWorkloads
{
    /// <summary><c>fwrnn-train [--hidden 50] [--form auto|explicit|efficient] [--batch 128] [--pairs 4] [--inner 1] [--samples 7] [--sample-ms 300] [--warmup 30]</c>.</summary>
    public static int Train(string[] args) => Train(args, Console.Out);

    /// <summary>As <see cref="Train(string[])"/>, writing the JSON line to <paramref name="output"/>.</summary>
    public static int Train(string[] args, TextWriter output)
    {
        int hidden = Sampling.IntOption(args, "--hidden", 50);
        int batch = Sampling.IntOption(args, "--batch", 128);
        int pairs = Sampling.IntOption(args, "--pairs", 4);
        int inner = Sampling.IntOption(args, "--inner", 1);
        var form = Enum.Parse<FastWeightsForm>(Sampling.Option(args, "--form", "auto"), ignoreCase: true);
        int samples = Sampling.IntOption(args, "--samples", 7);
        int warmup = Sampling.IntOption(args, "--warmup", 30);
        double sampleSeconds = Sampling.DoubleOption(args, "--sample-ms", 300) / 1000;
        int threads = ApplyThreads(args);

        var config = new TrainingConfig { Hidden = hidden, Batch = batch, Pairs = pairs, InnerSteps = inner, Form = form };
        var rng = new Rng(1);
        var task = new AssociativeRetrievalTask(pairs);
        var network = RunDirectory.CreateNetwork(config, rng);
        var optimizer = new Adam(network.NamedParameters(), config.LearningRate);
        bool pooled = bool.Parse(Sampling.Option(args, "--pooled", "true"));
        // As the trainer runs it: batches of 16 or more data parallel over two replicas.
        var step = new TrainingStep(network, optimizer, config.ClipNorm, pooled, () => RunDirectory.CreateNetwork(config, new Rng(1)));
        // A fixed pool of batches, drawn before timing.
        const int Pool = 16;
        int length = task.Length;
        var inputs = new int[Pool][];
        var targets = new int[Pool][];
        for (int p = 0; p < Pool; p++)
        {
            inputs[p] = new int[batch * length];
            targets[p] = new int[batch];
            for (int b = 0; b < batch; b++)
            {
                targets[p][b] = task.Sample(rng, inputs[p].AsSpan(b * length, length));
            }
        }
        int next = 0;
        float lastLoss = 0;
        void Run()
        {
            int p = next++ % Pool;
            lastLoss = step.Run(inputs[p], targets[p], batch, length).Loss;
        }
        var ms = Sampling.MillisecondsPerCall(Run, warmup, samples, sampleSeconds, out double cpuMs);
        // Steady-state allocation of the calling thread per step.
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int AllocSteps = 20;
        for (int i = 0; i < AllocSteps; i++)
        {
            Run();
        }
        double allocPerStep = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)AllocSteps;
        var resolved = config.FastWeightOptions().ResolveForm(length, hidden);
        output.WriteLine(Sampling.JsonLine([
            ("workload", "fwrnn-train"), ("impl", "ours"), ("variant", resolved.ToString().ToLowerInvariant()),
            ("hidden", hidden), ("batch", batch), ("length", length), ("threads", threads), ("pooled", pooled),
            ("ms", Sampling.Median(ms)), ("cpu_ms", cpuMs), ("samples", ms), ("alloc_bytes_per_step", allocPerStep),
            ("peak_rss_mib", Sampling.PeakResidentMiB()), ("loss", lastLoss),
        ]));
        return 0;
    }

    /// <summary>Applies <c>--threads N</c> (default: all cores) to the library's thread limit; returns N.</summary>
    public static int ApplyThreads(string[] args)
    {
        int threads = Sampling.IntOption(args, "--threads", Environment.ProcessorCount);
        KernelThreads.MaxThreads = threads;
        return threads;
    }

    /// <summary>
    /// <c>fwrnn-stream [--hidden 50] [--length 256] [--samples 7] [--sample-ms 300]</c>: batch 1, one token at a
    /// time, logits after every token (projected embedding row, <see cref="FastWeightRnnLayer.Step(FastWeightRnnState, ReadOnlySpan{float}, Span{float})"/> with the
    /// explicit A, then the 100-unit ReLU layer and the output layer); the state is reset every <c>--length</c> tokens.
    /// </summary>
    public static int Stream(string[] args) => Stream(args, Console.Out);

    /// <summary>As <see cref="Stream(string[])"/>, writing the JSON line to <paramref name="output"/>.</summary>
    public static int Stream(string[] args, TextWriter output)
    {
        int hidden = Sampling.IntOption(args, "--hidden", 50);
        int length = Sampling.IntOption(args, "--length", 256);
        int samples = Sampling.IntOption(args, "--samples", 7);
        double sampleSeconds = Sampling.DoubleOption(args, "--sample-ms", 300) / 1000;
        int threads = ApplyThreads(args);
        var config = new TrainingConfig { Hidden = hidden };
        var network = RunDirectory.CreateNetwork(config, new Rng(1));
        var layer = (FastWeightRnnLayer)network.Recurrent;
        var named = network.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        Tensor table;
        using (Tape.NoGrad())
        {
            table = layer.Project(named["embedding.weight"]);   // [V, R], once
        }
        var w1 = named["hidden.weight"].Storage;
        var b1 = named["hidden.bias"].Storage;
        var w2 = named["output.weight"].Storage;
        var b2 = named["output.bias"].Storage;
        int mid = b1.Length, classes = b2.Length;
        var rng = new Rng(2);
        var tokens = new int[length];
        for (int i = 0; i < length; i++)
        {
            tokens[i] = rng.NextInt(AssociativeRetrievalVocabulary.Size);
        }
        var state = layer.CreateState(1);
        var h = new float[hidden];
        var z = new float[mid];
        var logits = new float[classes];
        void RunStream()
        {
            state.Reset();
            foreach (int token in tokens)
            {
                layer.Step(state, table.Span.Slice(token * hidden, hidden), h);
                // logits = W2 relu(W1 h + b1) + b2
                Kernels.Gemm.Multiply(false, true, 1, mid, hidden, 1f, h, hidden, w1, hidden, 0f, z, mid);
                TensorPrimitives.Add(z, b1, z);
                TensorPrimitives.Max(z, 0f, z);
                Kernels.Gemm.Multiply(false, true, 1, classes, mid, 1f, z, mid, w2, mid, 0f, logits, classes);
                TensorPrimitives.Add(logits, b2, logits);
            }
        }
        var ms = Sampling.MillisecondsPerCall(RunStream, 3, samples, sampleSeconds, out double cpuMs);
        var us = ms.Select(m => m * 1000 / length).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunStream();
        double allocPerToken = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)length;
        output.WriteLine(Sampling.JsonLine([
            ("workload", "fwrnn-stream"), ("impl", "ours"), ("variant", "explicit"), ("hidden", hidden), ("batch", 1),
            ("length", length), ("threads", threads), ("us", Sampling.Median(us)), ("cpu_us", cpuMs * 1000 / length), ("samples", us),
            ("alloc_bytes_per_token", allocPerToken), ("peak_rss_mib", Sampling.PeakResidentMiB()), ("logit0", logits[0]),
        ]));
        return 0;
    }
}
