using System.Text.Json.Nodes;
using FastWeights.Autodiff;
using FastWeights.Interop;
using FastWeights.Models;
using FastWeights.Tests.Bench;
using FastWeights.Tests.Cli;
using FastWeights.Training;

namespace FastWeights.Tests.Interop;

/// <summary>
/// <c>import fla</c> against an independent implementation: <c>bench/peers/fla_layout.py</c> writes a small random
/// DeltaNet or Gated DeltaNet in flash-linear-attention's exact layout (fla's semantics, float64 PyTorch) with the
/// log-probabilities of a text; the imported run must give them within 1e-4, by the whole-sequence pass and by the
/// streaming step, and its tokenizer the same ids.
/// </summary>
public sealed class FlaImportTests() : CliTestBase("fw-fla-")
{
    private const string Text = "In the beginning God created the heaven and the earth.";

    public static TheoryData<string[]> Layouts() => new()
    {
        new[] { "--model", "delta_net" },
        new[] { "--model", "gated_deltanet" },
        new[] { "--model", "delta_net", "--no-conv", "--shards", "3" },
        new[] { "--model", "gated_deltanet", "--no-conv", "--dtype", "BF16", "--shards", "2" },
        new[] { "--model", "delta_net", "--tie" },
    };

    private string Write(string name, params string[] args)
    {
        PeerProcess.RequireTorch();
        string dir = Path.Combine(Root, name);
        var (code, output) = PeerProcess.Run(PeerProcess.Python, [PeerProcess.Script("fla_layout.py"), .. args, "--out", dir, "--text", Text]);
        Assert.True(code == 0, output);
        return dir;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ImportedModelGivesTheReferenceLogProbabilities(string[] layout)
    {
        string fla = Write("fla", layout);
        string run = Path.Combine(Root, "run");
        var (config, _) = FlaImport.Import(fla, run);
        Assert.Equal("fla", config.Conventions);

        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(fla, "expected.json")))!;
        int[] ids = [.. expected["ids"]!.AsArray().Select(n => n!.GetValue<int>())];
        var logp = expected["log_probabilities"]!.AsArray();
        var (_, model) = RunDirectory.LoadModel(run);
        var sequence = Assert.IsType<SequenceModel>(model);
        Assert.Equal(260, model.Classes);

        // The whole-sequence pass (chunkwise op).
        using (Tape.NoGrad())
        {
            var logits = sequence.Forward(ids, 1, ids.Length);
            AssertClose(logp, logits.ToArray(), model.Classes);
        }

        // The streaming step, through the CLI, with the run's own tokenizer.
        var (code, json, err) = Run("predict", "--run", run, "--all-positions", Text);
        Assert.True(code == 0, err);
        var result = JsonNode.Parse(json)!.AsArray()[0]!;
        Assert.Equal(ids, result["tokens"]!.AsArray().Select(n => n!.GetValue<int>()));
        var positions = result["positions"]!.AsArray();
        for (int t = 0; t < ids.Length; t++)
        {
            var ours = positions[t]!["log_probabilities"]!.AsArray();
            for (int c = 0; c < model.Classes; c++)
            {
                Assert.True(Math.Abs(logp[t]![c]!.GetValue<double>() - ours[c]!.GetValue<double>()) < 1e-4, $"position {t}, class {c}");
            }
        }
    }

    private static void AssertClose(JsonArray logp, float[] logits, int classes)
    {
        for (int t = 0; t < logp.Count; t++)
        {
            var row = logits.AsSpan(t * classes, classes);
            double max = System.Numerics.Tensors.TensorPrimitives.Max(row), sum = 0;
            foreach (float v in row)
            {
                sum += Math.Exp(v - max);
            }
            for (int c = 0; c < classes; c++)
            {
                double ours = row[c] - max - Math.Log(sum);
                Assert.True(Math.Abs(logp[t]![c]!.GetValue<double>() - ours) < 1e-4, $"position {t}, class {c}: fla {logp[t]![c]}, ours {ours}");
            }
        }
    }

    [Fact]
    public void ImportedRunGeneratesTestsAndKeepsItsTokenizer()
    {
        string fla = Write("fla", "--model", "gated_deltanet");
        string run = Path.Combine(Root, "run");
        var imported = Run("import", "fla", "--model-dir", fla, "--out", run);
        Assert.True(imported.Code == 0, imported.Err);
        Assert.Contains("gated-deltanet", imported.Out);
        Assert.True(File.Exists(Path.Combine(run, FlaImport.TokenizerDirectory, "vocab.json")));

        var first = Run("generate", "--run", run, "--prompt", "In the", "-n", "12", "--seed", "3", "--json");
        var second = Run("generate", "--run", run, "--prompt", "In the", "-n", "12", "--seed", "3", "--json");
        Assert.True(first.Code == 0, first.Err);
        Assert.Equal(first.Out, second.Out);

        // No text of its own: 'test' asks for one, and scores one given with --data.
        var noData = Run("test", "--run", run);
        Assert.NotEqual(0, noData.Code);
        Assert.Contains("--data", noData.Err);
        string text = Path.Combine(Root, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat(Text + "\n", 40)));
        var scored = Run("test", "--run", run, "--data", text);
        Assert.True(scored.Code == 0, scored.Err);
        Assert.Contains("bits per byte", scored.Out);
    }

    [Theory]
    [InlineData("attn", "{\"layers\": [1]}", "attn = ")]
    [InlineData("num_v_heads", "4", "num_v_heads 4")]
    [InlineData("conv_size", "2", "conv_size = 2")]
    [InlineData("model_type", "\"mamba2\"", "model_type 'mamba2'")]
    public void UnimplementedSettingsAreRefusedByName(string key, string value, string expected)
    {
        string fla = Write("fla", "--model", "gated_deltanet");
        string path = Path.Combine(fla, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[key] = JsonNode.Parse(value);
        File.WriteAllText(path, config.ToJsonString());
        var r = Run("import", "fla", "--model-dir", fla, "--out", Path.Combine(Root, "run"));
        Assert.NotEqual(0, r.Code);
        Assert.Contains(expected, r.Err);
        Assert.False(Directory.Exists(Path.Combine(Root, "run")));
    }

    [Fact]
    public void WeightsThatDoNotFitTheConfigAreRefusedBeforeAnythingIsWritten()
    {
        string fla = Write("fla", "--model", "delta_net");
        string path = Path.Combine(fla, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config["num_hidden_layers"] = 1;
        File.WriteAllText(path, config.ToJsonString());
        var r = Run("import", "fla", "--model-dir", fla, "--out", Path.Combine(Root, "run"));
        Assert.NotEqual(0, r.Code);
        Assert.Contains("model.layers.1.", r.Err);
        Assert.False(Directory.Exists(Path.Combine(Root, "run")));

        var notEmpty = Run("import", "fla", "--model-dir", fla, "--out", fla);
        Assert.NotEqual(0, notEmpty.Code);
        Assert.Contains("not empty", notEmpty.Err);
    }

    [Fact]
    public void FlaNamesMapOntoOurs()
    {
        Assert.Equal("blocks.3.mixer.q_conv.weight", FlaImport.OurName("model.layers.3.attn.q_conv1d.weight"));
        Assert.Equal("blocks.0.mixer.beta_proj.weight", FlaImport.OurName("model.layers.0.attn.b_proj.weight"));
        Assert.Equal("blocks.1.mixer.out_proj.weight", FlaImport.OurName("model.layers.1.attn.o_proj.weight"));
        Assert.Equal("blocks.1.mixer.out_norm.weight", FlaImport.OurName("model.layers.1.attn.o_norm.weight"));
        Assert.Equal("blocks.2.mixer.A_log", FlaImport.OurName("model.layers.2.attn.A_log"));
        Assert.Equal("blocks.0.mlp.down_proj.weight", FlaImport.OurName("model.layers.0.mlp.down_proj.weight"));
        Assert.Equal("head.weight", FlaImport.OurName("lm_head.weight"));
        Assert.Null(FlaImport.OurName("model.layers.0.attn.rotary.inv_freq"));
        Assert.Null(FlaImport.OurName("model.layers.x.attn_norm.weight"));
    }
}
