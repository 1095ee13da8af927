using System.Text.Json;
using FastWeights.Bench;

namespace FastWeights.Tests.Bench;

/// <summary>
/// Runs each benchmark workload once at a tiny size (not a timing test: it checks that the workloads run and
/// report well-formed results). The PyTorch peer is required (.ci/run installs it).
/// </summary>
public class BenchmarkSmokeTests
{
    [Theory]
    [InlineData("efficient")]
    [InlineData("explicit")]
    public void TrainingStepWorkloadRunsAtATinySize(string form)
    {
        var e = OurWorkload.Run(FwRnnWorkloads.Train, "--hidden", "8", "--batch", "4", "--form", form, "--samples", "2", "--sample-ms", "0", "--warmup", "1", "--threads", "1");
        Assert.Equal("ours", e.GetProperty("impl").GetString());
        Assert.Equal(form, e.GetProperty("variant").GetString());
        Assert.True(e.GetProperty("ms").GetDouble() > 0);
        Assert.True(e.GetProperty("cpu_ms").GetDouble() >= 0);
        Assert.True(double.IsFinite(e.GetProperty("loss").GetDouble()));
        Assert.True(e.GetProperty("peak_rss_mib").GetDouble() > 1);
    }

    [Fact]
    public void StreamingWorkloadRunsAtATinySize()
    {
        var e = OurWorkload.Run(FwRnnWorkloads.Stream, "--hidden", "8", "--length", "16", "--samples", "1", "--sample-ms", "0", "--threads", "1");
        Assert.Equal("fwrnn-stream", e.GetProperty("workload").GetString());
        Assert.True(e.GetProperty("us").GetDouble() > 0);
        Assert.Equal(0, e.GetProperty("alloc_bytes_per_token").GetDouble());
        Assert.True(float.IsFinite(e.GetProperty("logit0").GetSingle()));
    }

    [Fact]
    public void PeerRunsAtATinySize()
    {
        string script = PeerProcess.Script("fwrnn.py");
        Assert.True(File.Exists(script));
        PeerProcess.RequireTorch();
        // One process runs the peer's workloads (both formulations) once at a tiny size.
        var (code, stdout) = PeerProcess.Run(PeerProcess.Python, script, "smoke", "--threads", "1");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.All(lines, e => Assert.Equal("torch", e.GetProperty("impl").GetString()));
        Assert.Equal(2, lines.Count(e => e.GetProperty("workload").GetString() == "fwrnn-stream" && e.GetProperty("us").GetDouble() > 0));
        Assert.Equal(2, lines.Count(e => e.GetProperty("workload").GetString() == "fwrnn-train" && e.GetProperty("ms").GetDouble() > 0));
    }
}
