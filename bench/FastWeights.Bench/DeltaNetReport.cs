using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FastWeights.Bench;

/// <summary>
/// The DeltaNet sections of the <c>report</c> runner (ours: <see cref="DeltaNetWorkloads"/>; peer:
/// <c>bench/peers/deltanet.py</c>), same protocol as the fw-rnn sections: one process per measurement, ours and the
/// peer alternating over rounds (which goes first alternates), ratio = peer / ours per round (median, min–max), the
/// same ratio of CPU time, and the processes' peak RSS.
/// <list type="bullet">
/// <item><c>deltanet-op</c>: chunkwise DeltaNet and gated DeltaNet op, forward + backward, B = 4, H = 4, d_k = d_v = 64,
/// chunk 64, T = 2048 and 8192; also GFLOP/s (<see cref="DeltaNetWorkloads.ForwardFlops"/> × 3) against the measured FMA peak.</item>
/// <item><c>deltanet-stream</c>: the 2-layer DeltaNet model (d_model 256, 4 heads), batch 1, µs per token.</item>
/// <item><c>deltanet-scaling</c>: fwd + bwd time and peak RSS against T for the DeltaNet op and causal softmax attention
/// (B = 1, H = 4, d = 64), both libraries, one round per point; a series stops at 20 s or 8 GiB (or when its next
/// point is predicted to pass 1.5× a cap).</item>
/// <item><c>lm-train</c>: a whole training step of the 2-layer DeltaNet and transformer byte-level LMs (d_model 256,
/// 4 heads, context 256, batch 16; peer <c>bench/peers/lm.py</c>).</item>
/// <item><c>lm-generate</c>: the transformer LM generating one token at a time through its key–value cache (batch 1,
/// 256 tokens), beside the DeltaNet LM's constant-size state.</item>
/// </list>
/// </summary>
internal sealed class DeltaNetReport(
    int repeats, bool quick, HashSet<string> only, bool havePeer, string outDir,
    Func<string[], JsonElement?> ours, Func<string[], JsonElement?> peer, Func<string[], JsonElement?> lmPeer)
{
    /// <summary>The DeltaNet op and model sections (deltanet-report.md), comma-separated.</summary>
    public const string DeltaNetSections = "deltanet-op,deltanet-stream,deltanet-scaling";

    /// <summary>The language-model sections (lm-report.md), comma-separated.</summary>
    public const string LanguageModelSections = "lm-train,lm-generate";

    /// <summary>Every section, comma-separated.</summary>
    public const string Sections = DeltaNetSections + "," + LanguageModelSections;

    private const double TimeCapMs = 20_000, MemoryCapMiB = 8192;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs the selected sections, appending tables to <paramref name="md"/> and raw records to <paramref name="jsonl"/>.</summary>
    public void Run(StringBuilder md, StringBuilder jsonl)
    {
        if (only.Contains("deltanet-op"))
        {
            Op(md, jsonl);
        }
        if (only.Contains("deltanet-stream"))
        {
            Stream(md, jsonl);
        }
        if (only.Contains("deltanet-scaling"))
        {
            Scaling(md, jsonl);
        }
        if (only.Contains("lm-train"))
        {
            LanguageModelTrain(md, jsonl);
        }
        if (only.Contains("lm-generate"))
        {
            LanguageModelGenerate(md, jsonl);
        }
    }

    private void LanguageModelTrain(StringBuilder md, StringBuilder jsonl)
    {
        string[] sizes = quick ? ["--model-dim", "64", "--heads", "4", "--context", "64", "--batch", "4"] : ["--model-dim", "256", "--heads", "4", "--context", "256", "--batch", "16"];
        string[] sampling = quick ? ["--samples", "1", "--sample-ms", "0", "--warmup", "1"] : ["--samples", "5", "--sample-ms", "1000", "--warmup", "2"];
        md.AppendLine($"## Language-model training step (2 layers, d_model {sizes[1]}, 4 heads, MLP ×2, byte vocabulary, context {sizes[5]}, batch {sizes[7]}; cross-entropy at every position, backward, clipping, Adam)").AppendLine();
        md.AppendLine($"| model | parameters | ours ms/step | PyTorch ms/step | PyTorch / ours: median (min–max over {repeats} rounds) | same, CPU time | ours tokens/s | ours / PyTorch peak RSS MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string model in new[] { "deltanet", "transformer" })
        {
            string[] common = ["--model", model, "--layers", "2", .. sizes, .. sampling];
            var r = Rounds($"lm-train {model}", "ms", jsonl, ["lm-train", .. common], ["train", .. common], lmPeer);
            double parameters = r.Ours.Records.Select(e => e.GetProperty("parameters").GetDouble()).FirstOrDefault(double.NaN);
            double tokens = r.Ours.Records.Select(e => e.GetProperty("tokens_per_second").GetDouble()).DefaultIfEmpty(double.NaN).Max();
            md.AppendLine($"| {model} | {parameters:N0} | {Report.F(r.Ours.Median)} | {Report.F(r.Peer.Median)} | {r.Ratio} | {r.CpuRatio} | {tokens:N0} | {r.Ours.MaxRss:F0} / {r.Peer.MaxRss:F0} |");
        }
        md.AppendLine();
    }

    private void LanguageModelGenerate(StringBuilder md, StringBuilder jsonl)
    {
        string[] sizes = quick ? ["--model-dim", "64", "--heads", "4", "--length", "32"] : ["--model-dim", "256", "--heads", "4", "--length", "256"];
        string[] sampling = quick ? ["--samples", "1", "--sample-ms", "0"] : ["--samples", "7", "--sample-ms", "300"];
        md.AppendLine($"## Language-model generation (2 layers, d_model {sizes[1]}, 4 heads, batch 1, one token at a time, logits after every token, {sizes[5]} tokens from an empty state)").AppendLine();
        md.AppendLine($"| model | ours µs/token | PyTorch µs/token | PyTorch / ours: median (min–max over {repeats} rounds) | same, CPU time | ours / PyTorch peak RSS MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (string model in new[] { "transformer", "deltanet" })
        {
            string[] common = ["--model", model, "--layers", "2", .. sizes, .. sampling];
            var r = Rounds($"lm-generate {model}", "us", jsonl, ["lm-generate", .. common], ["generate", .. common], lmPeer);
            string state = model == "transformer" ? " (key–value cache)" : " (fixed-size state)";
            md.AppendLine($"| {model}{state} | {Report.F(r.Ours.Median)} | {Report.F(r.Peer.Median)} | {r.Ratio} | {r.CpuRatio} | {r.Ours.MaxRss:F0} / {r.Peer.MaxRss:F0} |");
        }
        md.AppendLine();
    }

    private void Op(StringBuilder md, StringBuilder jsonl)
    {
        PeakFlops.Peak peaks = PeakFlops.Measure();
        double peak = peaks.OneThread;
        Console.Error.WriteLine($"  measured {PeakFlops.Describe(peaks)}");
        int[] lengths = quick ? [256] : [2048, 8192];
        string[] sampling = quick ? ["--samples", "1", "--sample-ms", "0", "--warmup", "1"] : ["--samples", "3", "--sample-ms", "300", "--warmup", "1"];
        md.AppendLine("## Chunkwise DeltaNet op, forward + backward (B = 4, H = 4, d_k = d_v = 64, chunk 64, L2-normalised q, k)").AppendLine();
        md.AppendLine($"GFLOP/s counts 3× the chunk algorithm's forward FLOPs (B·H·T/C · (2C²(3d_k + 2d_v) + 6C·d_k·d_v + C³/3)); measured FMA peak of one thread: {peak:F1} GFLOP/s ({peaks.Bits}-bit vectors; 256-bit: {peaks.OneThread256:F1}).").AppendLine();
        md.AppendLine($"| rule | T | ours ms | PyTorch ms | PyTorch / ours: median (min–max over {repeats} rounds) | same, CPU time | ours GFLOP/s (% of peak) | PyTorch GFLOP/s (% of peak) | ours / PyTorch peak RSS MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var verdicts = new List<(string, double, double)>();
        foreach (bool gated in new[] { false, true })
        {
            foreach (int t in lengths)
            {
                string[] common = ["--length", t.ToString(Inv), .. sampling, .. (gated ? new[] { "--gated" } : [])];
                var r = Rounds($"deltanet-op {(gated ? "gated" : "delta")} T={t}", "ms", jsonl, ["deltanet-op", .. common], ["op", .. common]);
                double gflop = r.Ours.Records.Select(e => e.GetProperty("gflop").GetDouble()).FirstOrDefault(double.NaN);
                string Rate(double ms) => double.IsFinite(ms) ? $"{gflop / (ms / 1000):F1} ({100 * gflop / (ms / 1000) / peak:F0}%)" : "–";
                md.AppendLine($"| {(gated ? "gated DeltaNet" : "DeltaNet")} | {t} | {Report.F(r.Ours.Median)} | {Report.F(r.Peer.Median)} | {r.Ratio} | {r.CpuRatio} | {Rate(r.Ours.Median)} | {Rate(r.Peer.Median)} | {r.Ours.MaxRss:F0} / {r.Peer.MaxRss:F0} |");
                verdicts.Add(($"{(gated ? "gated DeltaNet" : "DeltaNet")} T = {t}", r.MedianRatio, r.MedianCpuRatio));
            }
        }
        md.AppendLine();
        // The targets are for the full sizes; --quick runs tiny ones.
        if (havePeer && !quick)
        {
            md.AppendLine(TargetVerdict.Describe(3, verdicts)).AppendLine();
        }
    }

    private void Stream(StringBuilder md, StringBuilder jsonl)
    {
        string[] sizes = quick ? ["--model-dim", "64", "--heads", "4", "--length", "32"] : ["--model-dim", "256", "--heads", "4", "--length", "256"];
        string[] sampling = quick ? ["--samples", "1", "--sample-ms", "0"] : ["--samples", "7", "--sample-ms", "300"];
        md.AppendLine($"## DeltaNet model streaming (2 layers, d_model {sizes[1]}, 4 heads, batch 1, one token at a time, logits after every token, streams of {sizes[5]} tokens)").AppendLine();
        md.AppendLine($"| ours µs/token | PyTorch µs/token | PyTorch / ours: median (min–max over {repeats} rounds) | same, CPU time | ours bytes allocated per token | ours / PyTorch peak RSS MiB |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        var r = Rounds("deltanet-stream", "us", jsonl, ["deltanet-stream", "--layers", "2", .. sizes, .. sampling], ["stream", "--layers", "2", .. sizes, .. sampling]);
        double alloc = r.Ours.Records.Select(e => e.GetProperty("alloc_bytes_per_token").GetDouble()).FirstOrDefault(double.NaN);
        md.AppendLine($"| {Report.F(r.Ours.Median)} | {Report.F(r.Peer.Median)} | {r.Ratio} | {r.CpuRatio} | {alloc:F0} | {r.Ours.MaxRss:F0} / {r.Peer.MaxRss:F0} |").AppendLine();
        // The targets are for the full sizes; --quick runs tiny ones.
        if (havePeer && !quick)
        {
            md.AppendLine(TargetVerdict.Describe(10, [("streaming", r.MedianRatio, r.MedianCpuRatio)])).AppendLine();
        }
    }

    private void Scaling(StringBuilder md, StringBuilder jsonl)
    {
        int[] lengths = quick ? [64, 128] : [256, 512, 1024, 2048, 4096, 8192, 16384];
        md.AppendLine("## Training fwd + bwd against sequence length: chunkwise DeltaNet op against causal softmax attention (B = 1, H = 4, d = 64, one round per point)").AppendLine();
        md.AppendLine("| T | ours DeltaNet ms | PyTorch DeltaNet ms | ours softmax attention ms | PyTorch softmax attention ms | peak RSS MiB (same order) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        string[] common = ["--batch", "1", "--heads", "4", "--dk", "64", "--samples", "1", "--sample-ms", "0", "--warmup", "1"];
        var series = new (string Key, Func<int, string[]> Ours, bool IsOurs)[]
        {
            ("ours DeltaNet", t => ["deltanet-op", "--length", t.ToString(Inv), "--dv", "64", "--chunk", quick ? "32" : "64", .. common], true),
            ("PyTorch DeltaNet", t => ["op", "--length", t.ToString(Inv), "--dv", "64", "--chunk", quick ? "32" : "64", .. common], false),
            ("ours softmax attention", t => ["deltanet-attn", "--length", t.ToString(Inv), .. common], true),
            ("PyTorch softmax attention", t => ["attn", "--length", t.ToString(Inv), .. common], false),
        };
        var points = series.ToDictionary(s => s.Key, _ => new List<(double T, double Ms, double Mib)>());
        var stopped = new Dictionary<string, string>();
        foreach (int t in lengths)
        {
            var cells = new List<string>();
            var mem = new List<string>();
            foreach (var (key, argsFor, isOurs) in series)
            {
                if (!isOurs && !havePeer)
                {
                    cells.Add("–");
                    mem.Add("–");
                    continue;
                }
                var pts = points[key];
                if (!stopped.ContainsKey(key) && pts.Count >= 2)
                {
                    var (a, b) = (pts[^2], pts[^1]);
                    double ms = b.Ms * b.Ms / a.Ms, mib = b.Mib * b.Mib / a.Mib;
                    if (ms > 1.5 * TimeCapMs || mib > 1.5 * MemoryCapMiB)
                    {
                        stopped[key] = $"T = {t} skipped: predicted {ms / 1000:F0} s, {mib / 1024:F1} GiB from the last two points";
                    }
                }
                if (stopped.ContainsKey(key))
                {
                    cells.Add("(stopped)");
                    mem.Add("–");
                    continue;
                }
                var e = isOurs ? ours(argsFor(t)) : peer(argsFor(t));
                if (e is not { } r)
                {
                    stopped[key] = $"T = {t} failed";
                    cells.Add("failed");
                    mem.Add("–");
                    continue;
                }
                jsonl.AppendLine(r.GetRawText());
                double msT = r.GetProperty("ms").GetDouble(), mibT = r.GetProperty("peak_rss_mib").GetDouble();
                pts.Add((t, msT, mibT));
                cells.Add(Report.F(msT));
                mem.Add(mibT.ToString("F0", Inv));
                Console.Error.WriteLine($"  deltanet-scaling T={t} {key}: {msT:G4} ms, {mibT:F0} MiB");
                if (msT > TimeCapMs || mibT > MemoryCapMiB)
                {
                    stopped[key] = $"stopped after T = {t} ({msT / 1000:F1} s, {mibT / 1024:F1} GiB)";
                }
            }
            md.AppendLine($"| {t} | {string.Join(" | ", cells)} | {string.Join(" / ", mem)} |");
        }
        md.AppendLine();
        foreach (var (key, why) in stopped)
        {
            md.AppendLine($"- {key}: {why} (caps {TimeCapMs / 1000:F0} s, {MemoryCapMiB / 1024:F0} GiB).");
        }
        if (stopped.Count > 0)
        {
            md.AppendLine();
        }
        ScalingPlot.Save(points, Path.Combine(outDir, "deltanet-scaling.png"), "sequence length T (log scale)", "fwd + bwd time (B = 1, H = 4, d = 64)", "ms per call (log scale)", key => key.StartsWith("PyTorch", StringComparison.Ordinal));
        md.AppendLine("![fwd + bwd time and peak memory against sequence length](deltanet-scaling.png)").AppendLine();
    }

    /// <summary>Results of one side over the rounds.</summary>
    private sealed record Side(List<double> Values, List<double> Cpu, List<JsonElement> Records)
    {
        public double Median => Sampling.Median(Values.Where(double.IsFinite));

        public double MaxRss => Records.Select(e => e.GetProperty("peak_rss_mib").GetDouble()).DefaultIfEmpty(double.NaN).Max();
    }

    /// <summary>Both sides over <c>repeats</c> alternating rounds and the per-round ratios.</summary>
    private sealed record RoundResult(Side Ours, Side Peer, string Ratio, string CpuRatio, double MedianRatio, double MedianCpuRatio);

    private RoundResult Rounds(string name, string field, StringBuilder jsonl, string[] oursArgs, string[] peerArgs, Func<string[], JsonElement?>? peerRunner = null)
    {
        var runPeer = peerRunner ?? peer;
        var sides = new[] { new Side([], [], []), new Side([], [], []) };
        for (int rep = 0; rep < repeats; rep++)
        {
            for (int i = 0; i < 2; i++)
            {
                int who = (i + rep) % 2;
                if (who == 1 && !havePeer)
                {
                    continue;
                }
                var e = who == 0 ? ours(oursArgs) : runPeer(peerArgs);
                var side = sides[who];
                if (e is { } r)
                {
                    jsonl.AppendLine(r.GetRawText());
                    side.Values.Add(r.GetProperty(field).GetDouble());
                    side.Cpu.Add(r.GetProperty("cpu_" + field).GetDouble());
                    side.Records.Add(r);
                    Console.Error.WriteLine($"  {name} round {rep + 1} {(who == 0 ? "ours" : "PyTorch")}: {r.GetProperty(field).GetDouble():G4} {field}");
                }
                else
                {
                    side.Values.Add(double.NaN);
                    side.Cpu.Add(double.NaN);
                }
            }
        }
        // Per-round ratios PyTorch / ours: their median, and the table cell "median× (min–max)".
        static (double Median, string Cell) Ratio(List<double> p, List<double> o, bool bold)
        {
            var rounds = p.Zip(o, (a, b) => a / b).Where(double.IsFinite).ToArray();
            if (rounds.Length == 0)
            {
                return (double.NaN, "–");
            }
            double median = Sampling.Median(rounds);
            string m = $"{median:F1}×";
            return (median, $"{(bold ? $"**{m}**" : m)} ({rounds.Min():F1}–{rounds.Max():F1})");
        }
        var wall = Ratio(sides[1].Values, sides[0].Values, true);
        var cpu = Ratio(sides[1].Cpu, sides[0].Cpu, false);
        return new RoundResult(sides[0], sides[1], wall.Cell, cpu.Cell, wall.Median, cpu.Median);
    }

}
