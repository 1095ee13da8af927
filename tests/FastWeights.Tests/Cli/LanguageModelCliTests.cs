using System.Text.Json;

namespace FastWeights.Tests.Cli;

/// <summary>Language modelling end to end: train on a text, test with bits per byte, generate (streaming, seeded), bad inputs.</summary>
public sealed class LanguageModelCliTests : CliTestBase
{
    public LanguageModelCliTests()
        : base("fw-lm-cli-")
    {
    }

    // A short, repetitive text a small model learns in seconds: 40 distinct lines, 6,000 bytes or so.
    private string Corpus()
    {
        string path = Path.Combine(Root, "text.txt");
        var lines = Enumerable.Range(0, 300).Select(i => $"line {i % 40} says the cat sat on the mat.");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    [Theory]
    [InlineData("deltanet")]
    [InlineData("transformer")]
    [InlineData("fw-rnn")]
    public void ASmallModelLearnsAShortTextAndGeneratesFromIt(string model)
    {
        string data = Corpus();
        string run = Path.Combine(Root, model);
        var train = Run("train", "--task", "lm", "--data", data, "--model", model, "--context", "32", "--d-model", "32", "--layers", "1", "--heads", "2",
            "--hidden", "32", "--steps", "300", "--batch", "16", "--train-size", "2000", "--eval-every", "150", "--lr", "5e-3", "--warmup", "20", "--out", run, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json"))).RootElement;
        double bpb = result.GetProperty("test_bits_per_byte").GetDouble();
        // Uniform guessing is 8 bits per byte; the text's unigram entropy is about 4. Learnt: well below both.
        Assert.True(bpb < 2.5, $"{model}: test bits per byte {bpb:F3} should fall below 2.5 within 300 steps");
        Assert.Equal(result.GetProperty("test_loss").GetDouble() / Math.Log(2), bpb, 9);

        var test = Run("test", "--run", run, "--json");
        Assert.Equal(0, test.Code);
        Assert.Equal(bpb, JsonDocument.Parse(test.Out).RootElement.GetProperty("bits_per_byte").GetDouble(), 9);

        string[] generate = ["generate", "--run", run, "--prompt", "line 7 says", "--tokens", "80", "--seed", "5"];
        var first = Run(generate);
        Assert.True(first.Code == 0, first.Err);
        Assert.Equal(first.Out, Run(generate).Out); // the same seed gives the same text
        Assert.NotEqual(first.Out, Run([.. generate[..^1], "6"]).Out);
        Assert.True(first.Out.TrimEnd('\n').Length >= 40, first.Out);
        var greedy = Run("generate", "--run", run, "--prompt", "line 7 says the", "--tokens", "12", "--temperature", "0", "--json");
        Assert.Equal(0, greedy.Code);
        var doc = JsonDocument.Parse(greedy.Out).RootElement;
        Assert.Equal(12, doc.GetProperty("tokens").GetArrayLength());
        // The streaming step agrees with the whole-sequence forward pass: the first greedy token is its arg-max.
        var (_, loaded) = FastWeights.Training.RunDirectory.LoadSequenceModel(run);
        int[] prompt = [.. System.Text.Encoding.UTF8.GetBytes("line 7 says the").Select(b => (int)b)];
        float[] logits;
        using (FastWeights.Autodiff.Tape.NoGrad())
        {
            logits = loaded.Forward(prompt, 1, prompt.Length).ToArray()[^256..];
        }
        Assert.Equal(Array.IndexOf(logits, logits.Max()), doc.GetProperty("tokens")[0].GetProperty("id").GetInt32());
        if (model == "deltanet")
        {
            Assert.StartsWith(" cat sat", doc.GetProperty("text").GetString()); // the learnt continuation, greedily
        }
        Assert.All(doc.GetProperty("tokens").EnumerateArray(), t => Assert.Equal(1.0, t.GetProperty("probability").GetDouble()));
    }

    [Fact]
    public void BadLanguageModelInputsAreOneLineErrors()
    {
        string data = Corpus();
        string run = Path.Combine(Root, "run");
        Assert.Equal(0, Run("train", "--task", "lm", "--data", data, "--model", "deltanet", "--context", "16", "--d-model", "16", "--layers", "1", "--heads", "1",
            "--steps", "2", "--batch", "2", "--train-size", "20", "--out", run, "--quiet").Code);
        string tiny = Path.Combine(Root, "tiny.txt");
        File.WriteAllText(tiny, "abc");
        (string[] Args, string Message)[] cases =
        [
            (["train", "--task", "lm", "--out", Path.Combine(Root, "a")], "needs --data FILE"),
            (["train", "--task", "lm", "--data", Path.Combine(Root, "missing.txt"), "--out", Path.Combine(Root, "b")], "does not exist"),
            (["train", "--task", "lm", "--data", tiny, "--out", Path.Combine(Root, "c")], "shorter than one window"),
            (["train", "--task", "lm", "--data", data, "--context", "0", "--out", Path.Combine(Root, "d")], "--context must be at least 1"),
            (["generate", "--run", run, "--prompt", ""], "--prompt must hold at least one character"),
            (["generate", "--run", run, "--prompt", "x", "--tokens", "0"], "--tokens must be 1 to"),
            (["generate", "--run", run, "--prompt", "x", "--temperature", "-1"], "--temperature must be 0 or more"),
            (["generate", "--run", run, "--prompt", "x", "--top-k", "-2"], "--top-k must be 0"),
            (["test", "--run", run, "--data", tiny], "fewer than one window"),
        ];
        foreach (var (args, message) in cases)
        {
            var r = Run(args);
            Assert.True(r.Code == 2, $"{string.Join(' ', args)}: exit {r.Code}, {r.Err}");
            Assert.Contains(message, r.Err);
            Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        }
        // Evaluating on another text works and reports bits per byte.
        var other = Run("test", "--run", run, "--data", data);
        Assert.Equal(0, other.Code);
        Assert.Contains("bits per byte", other.Out);
    }
}
