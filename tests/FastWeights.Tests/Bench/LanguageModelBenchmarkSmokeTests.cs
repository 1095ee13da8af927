using System.Text.Json;
using FastWeights.Bench;

namespace FastWeights.Tests.Bench;

/// <summary>
/// Runs the language-model benchmark workloads (ours and the PyTorch peer <c>bench/peers/lm.py</c>) once at a tiny size:
/// not a timing test, it checks that both sides run the same configuration and report well-formed results.
/// </summary>
public class LanguageModelBenchmarkSmokeTests
{

    private static JsonElement RunPeer(params string[] args)
    {
        PeerProcess.RequireTorch();
        var (code, stdout) = PeerProcess.Run(PeerProcess.Python, [PeerProcess.Script("lm.py"), .. args]);
        Assert.Equal(0, code);
        return JsonDocument.Parse(stdout.Trim()).RootElement.Clone();
    }

    private static readonly string[] Tiny = ["--model-dim", "16", "--heads", "2", "--layers", "2", "--threads", "1"];

    [Theory]
    [InlineData("deltanet")]
    [InlineData("transformer")]
    public void TrainingStepRunsOnBothSidesAtATinySize(string model)
    {
        // The peer's chunkwise delta rule needs a context that is a multiple of its chunk, 64.
        string[] args = ["--model", model, "--batch", "2", "--context", "64", .. Tiny, "--samples", "1", "--sample-ms", "0", "--warmup", "1"];
        var ours = OurWorkload.Run(LanguageModelWorkloads.Train, args);
        var peer = RunPeer(["train", .. args]);
        foreach (var e in new[] { ours, peer })
        {
            Assert.Equal("lm-train", e.GetProperty("workload").GetString());
            Assert.Equal(model, e.GetProperty("variant").GetString());
            Assert.True(e.GetProperty("ms").GetDouble() > 0);
        }
        // Random bytes over a vocabulary of 256: the first steps' loss is near ln 256.
        Assert.InRange(ours.GetProperty("loss").GetDouble(), 0.8 * Math.Log(256), 1.2 * Math.Log(256));
        Assert.Equal(2 * 64 / (ours.GetProperty("ms").GetDouble() / 1000), ours.GetProperty("tokens_per_second").GetDouble(), 6);
    }

    [Theory]
    [InlineData("deltanet")]
    [InlineData("transformer")]
    public void GenerationRunsOnBothSidesAtATinySize(string model)
    {
        string[] args = ["--model", model, "--length", "6", .. Tiny, "--samples", "1", "--sample-ms", "0"];
        var ours = OurWorkload.Run(LanguageModelWorkloads.Generate, args);
        var peer = RunPeer(["generate", .. args]);
        foreach (var e in new[] { ours, peer })
        {
            Assert.Equal("lm-generate", e.GetProperty("workload").GetString());
            Assert.True(e.GetProperty("us").GetDouble() > 0);
            Assert.True(double.IsFinite(e.GetProperty("logit0").GetDouble()));
        }
    }
}
