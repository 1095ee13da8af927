using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.Attention;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightProgrammers.Ops.Delta;
using FastWeights.Layers.FastWeightProgrammers.Ops.GatedDelta;
using FastWeights.Models;
using FastWeights.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace FastWeights.Bench;

/// <summary>
/// Our side of the DeltaNet workloads (one configuration per process, one JSON line each, as
/// <see cref="FwRnnWorkloads"/>): the chunkwise DeltaNet / gated DeltaNet op forward + backward, streaming a
/// 2-layer DeltaNet model one token at a time, and causal softmax attention forward + backward for the length sweep.
/// </summary>
internal static class DeltaNetWorkloads
{
    /// <summary>
    /// Forward FLOPs of the chunk algorithm per (batch, head) sequence of <paramref name="length"/> tokens in chunks of C:
    /// per chunk 2C²(3 d_k + 2 d_v) (Q Kᵀ, K Kᵀ, W = T K, U = T V, (M ⊙ Q Kᵀ) U') + 6 C d_k d_v (W Sᵀ, Q Sᵀ, U'ᵀ K)
    /// + C³/3 (the unit-lower-triangular inverse). Forward + backward is counted as 3× the forward.
    /// </summary>
    public static double ForwardFlops(int batch, int heads, int length, int dk, int dv, int chunk)
    {
        double c = chunk;
        double perChunk = (2 * c * c * ((3.0 * dk) + (2.0 * dv))) + (6 * c * dk * dv) + (c * c * c / 3);
        return (double)batch * heads * (length / chunk) * perChunk;
    }

    /// <summary>
    /// <c>deltanet-op [--gated] [--batch 4] [--heads 4] [--length 2048] [--dk 64] [--dv 64] [--chunk 64] [--samples 7]
    /// [--sample-ms 300] [--warmup 2] [--dump FILE] [--forward-only] [--no-arena]</c>: <see cref="DeltaRuleOp.Forward"/> or
    /// <see cref="GatedDeltaRuleOp.Forward"/> (chunkwise) on leaf tensors, then backward of Σ o ⊙ G for a fixed random G
    /// (<c>--forward-only</c>: the forward pass alone, inputs not requiring gradients). Each call runs inside a
    /// <see cref="TensorArena"/> scope recycled afterwards, as the training loops run their steps (<c>--no-arena</c>: without).
    /// </summary>
    public static int Op(string[] args) => Op(args, Console.Out);

    /// <summary>As <see cref="Op(string[])"/>, writing the JSON line to <paramref name="output"/>.</summary>
    public static int Op(string[] args, TextWriter output)
    {
        bool gated = args.Contains("--gated");
        int batch = Sampling.IntOption(args, "--batch", 4), heads = Sampling.IntOption(args, "--heads", 4);
        int length = Sampling.IntOption(args, "--length", 2048), chunk = Sampling.IntOption(args, "--chunk", 64);
        int dk = Sampling.IntOption(args, "--dk", 64), dv = Sampling.IntOption(args, "--dv", 64);
        int samples = Sampling.IntOption(args, "--samples", 7), warmup = Sampling.IntOption(args, "--warmup", 2);
        double sampleSeconds = Sampling.DoubleOption(args, "--sample-ms", 300) / 1000;
        string dump = Sampling.Option(args, "--dump", "");
        bool forwardOnly = args.Contains("--forward-only");
        int threads = ApplyThreads(args);

        var rng = new Rng(1);
        // As DeltaNet: L2-normalised q and k; v ~ N(0, 1); β = σ(N(0, 1)); α = 0.9 + 0.1 σ(N(0, 1)) ∈ (0.9, 1).
        var q = Normalized(Tensor.RandomNormal(rng, 1f, batch, heads, length, dk));
        var k = Normalized(Tensor.RandomNormal(rng, 1f, batch, heads, length, dk));
        var v = Tensor.RandomNormal(rng, 1f, batch, heads, length, dv);
        var beta = Sigmoid(Tensor.RandomNormal(rng, 1f, batch, heads, length), 0f, 1f);
        var alpha = Sigmoid(Tensor.RandomNormal(rng, 1f, batch, heads, length), 0.9f, 0.1f);
        var upstream = Tensor.RandomNormal(rng, 1f, batch, heads, length, dv);
        Tensor[] leaves = gated ? [q, k, v, beta, alpha] : [q, k, v, beta];
        Tensor output0 = null!;
        // As a training step (TrainingStep through OptimizationStep): the op's outputs and every gradient come from a
        // TensorArena that is recycled after each fwd + bwd (--no-arena: fresh arrays every call).
        var arena = args.Contains("--no-arena") ? null : new TensorArena();
        void Step()
        {
            foreach (var t in leaves)
            {
                t.RequiresGrad = !forwardOnly;
                t.Grad = null;
            }
            TensorArena.Scope scope = arena is null ? default : arena.Activate();
            try
            {
                var (o, _) = gated
                    ? GatedDeltaRuleOp.Forward(q, k, v, alpha, beta, null, FastWeightComputeMode.Chunkwise, chunk)
                    : DeltaRuleOp.Forward(q, k, v, beta, null, FastWeightComputeMode.Chunkwise, chunk);
                // ∂o = G: the gradient of Σ o ⊙ G.
                if (!forwardOnly)
                {
                    Tape.Backward(Ops.Sum(Ops.Mul(o, upstream)));
                }
                output0 = o;
            }
            finally
            {
                Tape.Reset();
                if (arena is not null)
                {
                    scope.Dispose();
                    // The last call's output and gradients stay readable below: the arena clears arrays when it hands them out again.
                    arena.Reset();
                }
            }
        }
        var ms = Sampling.MillisecondsPerCall(Step, warmup, samples, sampleSeconds, out double cpuMs);
        if (dump.Length > 0)
        {
            Dump(dump, gated, chunk, leaves, upstream, output0);
        }
        double gflop = 3 * ForwardFlops(batch, heads, length, dk, dv, chunk) / 1e9;
        output.WriteLine(Sampling.JsonLine([
            ("workload", "deltanet-op"), ("impl", "ours"), ("variant", gated ? "gated" : "delta"), ("batch", batch), ("heads", heads),
            ("length", length), ("dk", dk), ("dv", dv), ("chunk", chunk), ("threads", threads), ("ms", Sampling.Median(ms)),
            ("cpu_ms", cpuMs), ("samples", ms), ("gflop", gflop), ("peak_rss_mib", Sampling.PeakResidentMiB()),
            ("forward_only", forwardOnly), ("checksum", forwardOnly ? 0.0 : q.Grad!.Span.ToArray().Sum(x => (double)x)),
        ]));
        return 0;
    }

    /// <summary>
    /// <c>deltanet-attn [--batch 1] [--heads 4] [--length 1024] [--dk 64]</c>: causal softmax attention on q, k, v
    /// [B, H, T, d] as <see cref="SoftmaxAttentionLayer"/> computes it (<see cref="SoftmaxAttentionLayer.Attend"/>: scores / √d + causal mask, softmax, times V),
    /// forward + backward of Σ o ⊙ G.
    /// </summary>
    public static int Attention(string[] args) => Attention(args, Console.Out);

    /// <summary>As <see cref="Attention(string[])"/>, writing the JSON line to <paramref name="output"/>.</summary>
    public static int Attention(string[] args, TextWriter output)
    {
        int batch = Sampling.IntOption(args, "--batch", 1), heads = Sampling.IntOption(args, "--heads", 4);
        int length = Sampling.IntOption(args, "--length", 1024), d = Sampling.IntOption(args, "--dk", 64);
        int samples = Sampling.IntOption(args, "--samples", 2), warmup = Sampling.IntOption(args, "--warmup", 1);
        double sampleSeconds = Sampling.DoubleOption(args, "--sample-ms", 0) / 1000;
        int threads = ApplyThreads(args);
        var rng = new Rng(1);
        var q = Tensor.RandomNormal(rng, 1f, batch, heads, length, d);
        var k = Tensor.RandomNormal(rng, 1f, batch, heads, length, d);
        var v = Tensor.RandomNormal(rng, 1f, batch, heads, length, d);
        var upstream = Tensor.RandomNormal(rng, 1f, batch, heads, length, d);
        var mask = SoftmaxAttentionLayer.CausalMask(length);
        void Step()
        {
            foreach (var t in new[] { q, k, v })
            {
                t.RequiresGrad = true;
                t.Grad = null;
            }
            var o = SoftmaxAttentionLayer.Attend(q, k, v, mask);
            Tape.Backward(Ops.Sum(Ops.Mul(o, upstream)));
        }
        var ms = Sampling.MillisecondsPerCall(Step, warmup, samples, sampleSeconds, out double cpuMs);
        output.WriteLine(Sampling.JsonLine([
            ("workload", "deltanet-scaling"), ("impl", "ours"), ("variant", "softmax-attention"), ("batch", batch), ("heads", heads),
            ("length", length), ("dk", d), ("threads", threads), ("ms", Sampling.Median(ms)), ("cpu_ms", cpuMs), ("samples", ms),
            ("peak_rss_mib", Sampling.PeakResidentMiB()),
        ]));
        return 0;
    }

    /// <summary>
    /// <c>deltanet-stream [--model-dim 256] [--heads 4] [--layers 2] [--vocab 256] [--length 256]</c>: the catalog's
    /// <c>deltanet</c> <see cref="SequenceModel"/>, batch 1, one token at a time through its public streaming API
    /// (<see cref="SequenceModel.CreateState"/>, <see cref="SequenceModel.Step(SequenceModelState, ReadOnlySpan{int})"/>),
    /// logits after every token; a fresh state every <c>--length</c> tokens.
    /// </summary>
    public static int Stream(string[] args) => Stream(args, Console.Out);

    /// <summary>As <see cref="Stream(string[])"/>, writing the JSON line to <paramref name="output"/>.</summary>
    public static int Stream(string[] args, TextWriter output)
    {
        int dim = Sampling.IntOption(args, "--model-dim", 256), heads = Sampling.IntOption(args, "--heads", 4);
        int layers = Sampling.IntOption(args, "--layers", 2), vocab = Sampling.IntOption(args, "--vocab", 256);
        int length = Sampling.IntOption(args, "--length", 256), samples = Sampling.IntOption(args, "--samples", 7);
        double sampleSeconds = Sampling.DoubleOption(args, "--sample-ms", 300) / 1000;
        int threads = ApplyThreads(args);
        var options = new SequenceModelOptions { ModelDim = dim, Heads = heads, Layers = layers };
        var model = ModelCatalog.Find("deltanet").CreateSequenceModel(new Rng(1), vocab, vocab, options);
        var rng = new Rng(2);
        var tokens = new int[length];
        for (int i = 0; i < length; i++)
        {
            tokens[i] = rng.NextInt(vocab);
        }
        Tensor logits = null!;
        void RunStream()
        {
            var state = model.CreateState(1);
            foreach (int token in tokens)
            {
                logits = model.Step(state, [token]);
            }
        }
        var ms = Sampling.MillisecondsPerCall(RunStream, 2, samples, sampleSeconds, out double cpuMs);
        var us = ms.Select(m => m * 1000 / length).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunStream();
        double allocPerToken = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)length;
        output.WriteLine(Sampling.JsonLine([
            ("workload", "deltanet-stream"), ("impl", "ours"), ("variant", "deltanet"), ("model_dim", dim), ("heads", heads),
            ("layers", layers), ("batch", 1), ("length", length), ("threads", threads), ("us", Sampling.Median(us)),
            ("cpu_us", cpuMs * 1000 / length), ("samples", us), ("alloc_bytes_per_token", allocPerToken),
            ("peak_rss_mib", Sampling.PeakResidentMiB()), ("logit0", logits.Span[0]),
        ]));
        return 0;
    }

    /// <summary>Applies <c>--threads N</c> to the GEMM and to the fast-weight ops' per-head workers; returns N.</summary>
    private static int ApplyThreads(string[] args)
    {
        int threads = FwRnnWorkloads.ApplyThreads(args);
        KernelThreads.MaxThreads = threads;
        return threads;
    }

    private static Tensor Normalized(Tensor x)
    {
        int d = x.Dim(-1);
        var s = x.Span;
        for (int r = 0; r < s.Length / d; r++)
        {
            var row = s.Slice(r * d, d);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }
        return x;
    }

    // offset + scale σ(x), in place.
    private static Tensor Sigmoid(Tensor x, float offset, float scale)
    {
        var s = x.Span;
        TensorPrimitives.Sigmoid(s, s);
        TensorPrimitives.Multiply(s, scale, s);
        TensorPrimitives.Add(s, offset, s);
        return x;
    }

    /// <summary>Writes int32 B, H, T, d_k, d_v, gated, chunk, then float32 inputs, G, o and the leaves' gradients (read by <c>deltanet.py check --compare</c>).</summary>
    private static void Dump(string path, bool gated, int chunk, Tensor[] leaves, Tensor upstream, Tensor o)
    {
        using var w = new BinaryWriter(File.Create(path));
        int[] header = [leaves[0].Dim(0), leaves[0].Dim(1), leaves[0].Dim(2), leaves[0].Dim(3), leaves[2].Dim(3), gated ? 1 : 0, chunk];
        foreach (int h in header)
        {
            w.Write(h);
        }
        void Write(Tensor t)
        {
            foreach (float f in t.Span)
            {
                w.Write(f);
            }
        }
        foreach (var t in leaves)
        {
            Write(t);
        }
        Write(upstream);
        Write(o);
        foreach (var t in leaves)
        {
            Write(t.Grad!);
        }
    }
}
