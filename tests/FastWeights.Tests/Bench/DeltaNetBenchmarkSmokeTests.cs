using System.Text.Json;
using FastWeights.Bench;

namespace FastWeights.Tests.Bench;

/// <summary>
/// Runs each DeltaNet benchmark workload once at a tiny size (not a timing test: it checks that the workloads run and
/// report well-formed results); with PyTorch installed, also the peer's self-check and its agreement with our op.
/// </summary>
public class DeltaNetBenchmarkSmokeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OpWorkloadRunsAtATinySize(bool gated)
    {
        string[] args = ["--batch", "1", "--heads", "2", "--length", "48", "--dk", "16", "--dv", "8", "--chunk", "16",
            "--samples", "1", "--sample-ms", "0", "--warmup", "0", "--threads", "1", .. (gated ? new[] { "--gated" } : [])];
        var e = OurWorkload.Run(DeltaNetWorkloads.Op, args);
        Assert.Equal(gated ? "gated" : "delta", e.GetProperty("variant").GetString());
        Assert.True(e.GetProperty("ms").GetDouble() > 0);
        Assert.Equal(3 * DeltaNetWorkloads.ForwardFlops(1, 2, 48, 16, 8, 16) / 1e9, e.GetProperty("gflop").GetDouble(), 12);
        Assert.True(double.IsFinite(e.GetProperty("checksum").GetDouble()));
        Assert.NotEqual(0, e.GetProperty("checksum").GetDouble());
    }

    [Fact]
    public void ForwardFlopsCountsTheChunkProducts()
    {
        // One chunk of C = 2, d_k = 3, d_v = 5: 2·4·(9 + 10) + 6·2·15 + 8/3.
        Assert.Equal((2 * 4 * 19) + (6 * 2 * 15) + (8 / 3.0), DeltaNetWorkloads.ForwardFlops(1, 1, 2, 3, 5, 2), 9);
        Assert.Equal(12 * DeltaNetWorkloads.ForwardFlops(1, 1, 2, 3, 5, 2), DeltaNetWorkloads.ForwardFlops(2, 3, 4, 3, 5, 2), 9);
    }

    [Fact]
    public void AttentionWorkloadRunsAtATinySize()
    {
        var e = OurWorkload.Run(DeltaNetWorkloads.Attention, "--length", "32", "--dk", "8", "--heads", "2", "--samples", "1", "--warmup", "0", "--threads", "1");
        Assert.Equal("softmax-attention", e.GetProperty("variant").GetString());
        Assert.True(e.GetProperty("ms").GetDouble() > 0);
    }

    [Fact]
    public void StreamingWorkloadRunsAtATinySize()
    {
        var e = OurWorkload.Run(DeltaNetWorkloads.Stream, "--model-dim", "16", "--heads", "2", "--vocab", "11", "--length", "6", "--samples", "1", "--sample-ms", "0", "--threads", "1");
        Assert.Equal("deltanet-stream", e.GetProperty("workload").GetString());
        Assert.True(e.GetProperty("us").GetDouble() > 0);
        Assert.True(float.IsFinite(e.GetProperty("logit0").GetSingle()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PeerMatchesItsReferenceAndOurOp(bool gated)
    {
        string script = PeerProcess.Script("deltanet.py");
        Assert.True(File.Exists(script));
        PeerProcess.RequireTorch();
        string dump = Path.Combine(Path.GetTempPath(), $"deltanet-dump-{Environment.ProcessId}-{gated}.bin");
        try
        {
            OurWorkload.Run(DeltaNetWorkloads.Op, ["--batch", "2", "--heads", "2", "--length", "48", "--dk", "16", "--dv", "8", "--chunk", "16",
                "--samples", "1", "--sample-ms", "0", "--warmup", "0", "--threads", "1", "--dump", dump, .. (gated ? new[] { "--gated" } : [])]);
            var (code, stdout) = PeerProcess.Run(PeerProcess.Python, script, "check", "--threads", "1", "--compare", dump);
            Assert.Equal(0, code);
            Assert.Contains("ours and the peer agree", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(dump);
        }
    }

    [Fact]
    public void PeerWorkloadsRunAtATinySize()
    {
        string script = PeerProcess.Script("deltanet.py");
        PeerProcess.RequireTorch();
        var (code, stdout) = PeerProcess.Run(PeerProcess.Python, script, "smoke", "--threads", "1");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal(2, lines.Count(e => e.GetProperty("workload").GetString() == "deltanet-op" && e.GetProperty("ms").GetDouble() > 0));
        Assert.Single(lines, e => e.GetProperty("workload").GetString() == "deltanet-scaling");
        Assert.Single(lines, e => e.GetProperty("workload").GetString() == "deltanet-stream" && e.GetProperty("us").GetDouble() > 0);
    }
}
