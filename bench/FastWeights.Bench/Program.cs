namespace FastWeights.Bench;

/// <summary>Benchmark runner: <c>dotnet run -c Release --project bench/FastWeights.Bench -- &lt;workload&gt; [options]</c>.</summary>
internal static class Program
{
    /// <summary>Workloads by subcommand name; add new ones here (fwrnn, deltanet, …).</summary>
    private static readonly Dictionary<string, (string Description, Func<string[], int> Run)> Workloads = new()
    {
        ["gemm"] = ("SGEMM GFLOP/s vs OpenBLAS for square sizes, 1 and 2 threads [--sizes 64,256,1024] [--shapes MxNxK,…] [--threads 1,2] [--repeats 15] [--sample-ms 60]", GemmBenchmark.Run),
        ["report"] = ("Runs every workload against the PyTorch peers, alternating, and writes report.md / deltanet-report.md / lm-report.md + PNGs [--threads 1] [--repeats 5] [--out docs/bench] [--only gemm,fwrnn-train,fwrnn-stream,fwrnn-scaling,deltanet-op,deltanet-stream,deltanet-scaling,lm-train,lm-generate] [--quick]", Report.Run),
        ["fwrnn-train"] = ("fw-rnn training step of the paper's network, ours (one JSON line) [--hidden 50] [--form auto|explicit|efficient] [--batch 128] [--pooled true]", FwRnnWorkloads.Train),
        ["fwrnn-stream"] = ("fw-rnn streaming inference, batch 1, µs per token, ours (one JSON line) [--hidden 50] [--length 256]", FwRnnWorkloads.Stream),
        ["fwrnn-profile"] = ("Stopwatch breakdown of our fw-rnn training step [--hidden 50] [--form auto] [--steps 200] [--threads 1]", FwRnnProfile.Run),
        ["fwrnn-op"] = ("The fused fw-rnn kernel alone: forward, backward and their slow-weight products, ms per call [--hidden 100] [--batch 128] [--steps 11] [--reps 100]", FwRnnOpProfile.Run),
        ["deltanet-op"] = ("Chunkwise DeltaNet / gated DeltaNet op, forward + backward, ours (one JSON line) [--gated] [--batch 4] [--heads 4] [--length 2048] [--dk 64] [--dv 64] [--chunk 64] [--dump FILE]", DeltaNetWorkloads.Op),
        ["deltanet-stream"] = ("2-layer DeltaNet model streaming, batch 1, µs per token, ours (one JSON line) [--model-dim 256] [--heads 4] [--layers 2] [--length 256]", DeltaNetWorkloads.Stream),
        ["deltanet-attn"] = ("Causal softmax attention forward + backward on [B, H, T, d], ours (one JSON line) [--batch 1] [--heads 4] [--length 1024] [--dk 64]", DeltaNetWorkloads.Attention),
        ["lm-train"] = ("Byte-level LM training step (cross-entropy, backward, clip, Adam), ms per step, ours (one JSON line) [--model deltanet|transformer] [--batch 16] [--context 256] [--model-dim 256] [--heads 4] [--layers 2]", LanguageModelWorkloads.Train),
        ["lm-generate"] = ("Byte-level LM streaming generation, batch 1, µs per token, ours (one JSON line) [--model transformer|deltanet] [--length 256] [--model-dim 256] [--heads 4] [--layers 2]", LanguageModelWorkloads.Generate),
        ["bandwidth"] = ("Single-thread read bandwidth over a buffer read again and again, the floor of batch-1 streaming [--mb 4.4] [--samples 15]", ReadBandwidth.Run),
        ["peak"] = ("Peak FMA throughput of this machine (register-only loop)", _ => PeakFlops.Report()),
    };

    private static int Main(string[] args)
    {
        if (args.Length == 0 || !Workloads.TryGetValue(args[0], out var workload))
        {
            Console.WriteLine("usage: FastWeights.Bench <workload> [options]");
            foreach (var (name, (description, _)) in Workloads)
            {
                Console.WriteLine($"  {name,-10} {description}");
            }
            return args.Length == 0 ? 0 : 2;
        }
        return workload.Run(args[1..]);
    }
}
