using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastWeights.Serialization;
using FastWeights.Tests.Cli;

namespace FastWeights.Tests.Golden;

/// <summary>
/// Golden outputs recorded from main at commit 65b450f, before the training stack was reshaped (issue 11): each case
/// of <c>Fixtures/Golden/golden.json</c> runs the same command line and must give the same metrics (every field but
/// the wall-clock seconds), the same result.json, and weights whose bytes hash to the recorded sha256 (the data
/// section of model.safetensors: its header also stores the wall-clock seconds). The run directories under
/// <c>Fixtures/Runs</c> were written and interrupted by that commit; they must still resume to the same end. That commit
/// ran every batch whole: the train cases pass <c>--shards 1</c>, and the interrupted runs' config.json (format 1)
/// takes 1 as files before format 9 do.
/// </summary>
public sealed class GoldenRunTests() : CliTestBase("fw-golden-")
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    private static readonly JsonElement Cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureRoot, "Golden", "golden.json"))).RootElement.GetProperty("cases");

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReproducesTheRecordedRun(string name)
    {
        var golden = Cases.EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        string[] args = [.. golden.GetProperty("args").EnumerateArray().Select(a => a.GetString()!)];
        string expected = Path.Combine(FixtureRoot, "Golden", name);
        string dir = Path.Combine(Root, name);
        var run = Run([.. args, "--out", dir, .. args[0] == "train" ? new[] { "--quiet" } : []]);
        Assert.True(run.Code == 0, run.Err);

        if (args[0] == "capacity")
        {
            Assert.Equal(WithoutSeconds(File.ReadAllText(Path.Combine(expected, "capacity.json"))), WithoutSeconds(File.ReadAllText(Path.Combine(dir, "capacity.json"))));
            return;
        }
        AssertSameMetrics(Path.Combine(expected, "metrics.jsonl"), Path.Combine(dir, "metrics.jsonl"), resumedAfter: int.MaxValue);
        Assert.Equal(File.ReadAllText(Path.Combine(expected, "result.json")), WithoutCosts(File.ReadAllText(Path.Combine(dir, "result.json"))));
        AssertSameWeights(golden, Path.Combine(dir, "model.safetensors"));
    }

    [Theory]
    [InlineData("fwrnn-interrupted", "fwrnn-assoc", 101)]
    [InlineData("deltanet-interrupted", "deltanet-mqar", 74)]
    public void ARunInterruptedByTheOldCodeResumesToTheRecordedEnd(string fixture, string goldenName, int interruptedAt)
    {
        string dir = Path.Combine(Root, fixture);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(Path.Combine(FixtureRoot, "Runs", fixture)))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        var resumed = Run("train", "--resume", dir, "--quiet");
        Assert.True(resumed.Code == 0, resumed.Err);

        var golden = Cases.EnumerateArray().Single(c => c.GetProperty("name").GetString() == goldenName);
        string expected = Path.Combine(FixtureRoot, "Golden", goldenName);
        AssertSameMetrics(Path.Combine(expected, "metrics.jsonl"), Path.Combine(dir, "metrics.jsonl"), resumedAfter: interruptedAt);
        Assert.Equal(File.ReadAllText(Path.Combine(expected, "result.json")), WithoutCosts(File.ReadAllText(Path.Combine(dir, "result.json"))));
        AssertSameWeights(golden, Path.Combine(dir, "model.safetensors"));
    }

    // Every record equal but for "seconds"; the first record after a resume averages the training loss and accuracy
    // over the steps since the resume only (a known defect, issue 16), so there only the validation fields must agree.
    private static void AssertSameMetrics(string expectedPath, string actualPath, int resumedAfter)
    {
        var expected = File.ReadAllLines(expectedPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var actual = File.ReadAllLines(actualPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(expected.Count, actual.Count);
        bool firstAfterResume = true;
        for (int i = 0; i < expected.Count; i++)
        {
            int step = expected[i]["step"]!.GetValue<int>();
            foreach (var (key, value) in expected[i])
            {
                bool spansResume = step > resumedAfter && firstAfterResume && key is "train_loss" or "train_accuracy";
                if (key == "seconds" || spansResume)
                {
                    continue;
                }
                Assert.True(JsonNode.DeepEquals(value, actual[i][key]), $"{Path.GetFileName(actualPath)} step {step} {key}: expected {value}, got {actual[i][key]}");
            }
            if (step > resumedAfter)
            {
                firstAfterResume = false;
            }
        }
    }

    private static void AssertSameWeights(JsonElement golden, string modelPath)
    {
        byte[] bytes = File.ReadAllBytes(modelPath);
        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        var tensors = header.Where(kv => kv.Key != "__metadata__")
            .OrderBy(kv => kv.Value!["data_offsets"]![0]!.GetValue<long>())
            // The recorded names are those of the old layout ('blocks0.', 'mlp.layers0.'): today's names are those, renamed
            // as ModuleCheckpoint documents, in the same order and with the same data.
            .Select(kv => $"{ModuleCheckpoint.LegacyName(kv.Key)} [{string.Join(", ", kv.Value!["shape"]!.AsArray().Select(d => d!.GetValue<long>()))}]")
            .ToArray();
        Assert.Equal(golden.GetProperty("tensors").EnumerateArray().Select(t => t.GetString()!).ToArray(), tensors);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(8 + headerLength)));
        Assert.Equal(golden.GetProperty("weights_sha256").GetString(), sha);
    }

    // result.json without the keys added after the golden runs were recorded: the parameter count, and the training time,
    // speed and peak memory, which vary from run to run.
    private static string WithoutCosts(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.True(node["parameters"]!.GetValue<long>() > 0);
        Assert.True(node["peak_memory_mb"]!.GetValue<double>() > 0);
        foreach (string key in new[] { "parameters", "training_seconds", "training_tokens_per_second", "peak_memory_mb" })
        {
            Assert.True(node.Remove(key), key);
        }
        return node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string WithoutSeconds(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("seconds");
        foreach (var point in node["points"]!.AsArray())
        {
            point!.AsObject().Remove("seconds");
        }
        return node.ToJsonString();
    }
}
