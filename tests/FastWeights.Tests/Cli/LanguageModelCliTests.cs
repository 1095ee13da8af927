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

    /// <summary>
    /// test --scoring: a window-trained fast weight programmer scored with carried state (each window from the state its
    /// stream's previous window left) gives another loss; 'window' gives the default; models and tasks that cannot are refused.
    /// </summary>
    [Fact]
    public void TestScoresWindowByWindowOrWithCarriedStateOnRequest()
    {
        string data = Corpus();
        string run = Path.Combine(Root, "scoring");
        var train = Run("train", "--task", "lm", "--data", data, "--model", "deltanet", "--context", "32", "--d-model", "16", "--layers", "1", "--heads", "2",
            "--steps", "40", "--batch", "8", "--train-size", "500", "--eval-every", "40", "--out", run, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        double Loss(params string[] extra)
        {
            var test = Run(["test", "--run", run, "--json", .. extra]);
            Assert.True(test.Code == 0, test.Err);
            return JsonDocument.Parse(test.Out).RootElement.GetProperty("loss").GetDouble();
        }
        double byDefault = Loss(), window = Loss("--scoring", "window"), carried = Loss("--scoring", "carried");
        Assert.Equal(byDefault, window);
        Assert.NotEqual(window, carried, 6);
        var model = FastWeights.Training.RunDirectory.LoadSequenceModel(run).Model;
        var split = FastWeights.Training.RunDirectory.Splits(FastWeights.Training.RunDirectory.ReadConfig(run), model)["test"];
        Assert.Equal(FastWeights.Training.Evaluator.EvaluateCarried(model, split).Loss, carried, 9);

        string rnn = Path.Combine(Root, "scoring-rnn");
        Assert.Equal(0, Run("train", "--task", "lm", "--data", data, "--model", "lstm", "--context", "32", "--d-model", "16", "--layers", "1", "--hidden", "8",
            "--steps", "2", "--batch", "4", "--train-size", "50", "--eval-every", "2", "--out", rnn, "--quiet").Code);
        var refused = Run("test", "--run", rnn, "--scoring", "carried");
        Assert.Equal(2, refused.Code);
        Assert.Contains("--scoring carried needs a model whose state can be carried", refused.Err);
        Assert.Equal(2, Run("test", "--run", run, "--scoring", "sideways").Code);
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

    /// <summary>
    /// The char tokenizer: the vocabulary is the training split's characters; bits per byte count the bytes of
    /// multi-byte characters; an unknown character at test time takes the reserved id and is counted; a prompt
    /// character outside the vocabulary is a one-line error.
    /// </summary>
    [Fact]
    public void ACharacterVocabularyModelCountsBytesAndUnknownCharacters()
    {
        string path = Path.Combine(Root, "accents.txt");
        var lines = Enumerable.Range(0, 300).Select(i => $"ligne {i % 40} : le café est à côté.");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        string run = Path.Combine(Root, "char");
        var train = Run("train", "--task", "lm", "--tokenizer", "char", "--data", path, "--model", "deltanet", "--context", "32", "--d-model", "32", "--layers", "1",
            "--heads", "2", "--steps", "200", "--batch", "16", "--train-size", "1000", "--eval-every", "100", "--lr", "5e-3", "--warmup", "20", "--out", run, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        var task = (FastWeights.Tasks.LanguageModelling.LanguageModelTask)FastWeights.Tasks.TaskCatalog.Create(FastWeights.Training.RunDirectory.ReadConfig(run));
        // The distinct characters of the training split (digits, letters, accents, punctuation, space, newline) and the unknown id.
        string trainText = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path).AsSpan(0, (int)(new FileInfo(path).Length * 0.9)));
        Assert.Equal(trainText.EnumerateRunes().Distinct().Count() + 1, task.Vocabulary);
        var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json"))).RootElement;
        double loss = result.GetProperty("test_loss").GetDouble(), bpb = result.GetProperty("test_bits_per_byte").GetDouble();
        // é, à, ô take two bytes each: a character carries more than a byte, so bits per byte < bits per character.
        Assert.True(bpb < loss / Math.Log(2) * 0.98, $"bits per byte {bpb} against bits per character {loss / Math.Log(2)}");
        Assert.Equal(0, result.GetProperty("test_unknown_characters").GetDouble());

        string other = Path.Combine(Root, "other.txt");
        File.WriteAllText(other, string.Concat(Enumerable.Repeat("ligne 3 : le thé est à côté. ", 8)));
        var test = Run("test", "--run", run, "--data", other, "--json");
        Assert.True(test.Code == 0, test.Err);
        // 'h' is not in the vocabulary: each of its 8 occurrences is a scored target.
        Assert.Equal(8, JsonDocument.Parse(test.Out).RootElement.GetProperty("unknown_characters").GetDouble());

        var bad = Run("generate", "--run", run, "--prompt", "thé");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--prompt: 'h' (U+0068) is not in the run's character vocabulary", bad.Err);
        var good = Run("generate", "--run", run, "--prompt", "le caf", "--tokens", "20", "--temperature", "0");
        Assert.True(good.Code == 0, good.Err);
        Assert.StartsWith("é est", good.Out); // the learnt continuation of "le caf", greedily
    }

    /// <summary>GPT-2's BPE through Microsoft.ML.Tokenizers: the ids of a known sentence, a run whose bits per byte divide the loss over the bytes its tokens stand for, and generation.</summary>
    [Fact]
    public void Gpt2TokensComeFromMicrosoftMlTokenizersAndBitsPerByteCountTheirBytes()
    {
        var gpt2 = new FastWeights.Tasks.LanguageModelling.Gpt2Tokenizer();
        var text = System.Text.Encoding.UTF8.GetBytes("And God said, Let there be light: and there was light. é");
        var (ids, bytes) = gpt2.Encode(text);
        Assert.Equal([1870, 1793, 531, 11, 3914, 612, 307, 1657, 25, 290, 612, 373, 1657, 13, 38251], ids);
        Assert.Equal(text.Length, bytes.Sum());
        Assert.Equal(text, ids.SelectMany(gpt2.Bytes).ToArray());

        string data = Corpus();
        string run = Path.Combine(Root, "gpt2");
        var train = Run("train", "--task", "lm", "--tokenizer", "gpt2", "--data", data, "--model", "deltanet", "--context", "16", "--d-model", "16", "--layers", "1",
            "--heads", "2", "--steps", "30", "--batch", "8", "--train-size", "200", "--eval-every", "30", "--out", run, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json"))).RootElement;
        var task = (FastWeights.Tasks.LanguageModelling.LanguageModelTask)FastWeights.Tasks.TaskCatalog.Create(FastWeights.Training.RunDirectory.ReadConfig(run));
        Assert.Equal(50_257, task.Vocabulary);
        var splits = task.Generate(1, 10, 1, 1);
        double expected = result.GetProperty("test_loss").GetDouble() * result.GetProperty("test_count").GetDouble() / splits.Test.TargetBytes!.Value / Math.Log(2);
        Assert.Equal(expected, result.GetProperty("test_bits_per_byte").GetDouble(), 9);
        Assert.True(splits.Test.TargetBytes > 3 * splits.Test.Count * 16, "a GPT-2 token of this text stands for several bytes");
        var generated = Run("generate", "--run", run, "--prompt", "line 7", "--tokens", "10", "--seed", "2");
        Assert.True(generated.Code == 0, generated.Err);
        Assert.Equal(generated.Out, Run("generate", "--run", run, "--prompt", "line 7", "--tokens", "10", "--seed", "2").Out);
    }

    /// <summary>reproduce lm: every model without carried state, the fast weight programmers again with it, one table; a second start skips finished runs.</summary>
    [Fact]
    public void ReproduceLmComparesModelsWithAndWithoutCarriedState()
    {
        string data = Corpus();
        string dir = Path.Combine(Root, "grid");
        string[] args = ["reproduce", "lm", "--data", data, "--steps", "6", "--sizes", "16", "--context", "16", "--batch", "4", "--models", "deltanet,lstm", "--out", dir];
        var first = Run(args);
        Assert.True(first.Code == 0, first.Err);
        Assert.True(File.Exists(Path.Combine(dir, "runs", "deltanet-d16-s1", "result.json")));
        Assert.True(File.Exists(Path.Combine(dir, "runs", "deltanet-carry-d16-s1", "result.json")));
        Assert.False(Directory.Exists(Path.Combine(dir, "runs", "lstm-carry-d16-s1")));
        var carried = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "runs", "deltanet-carry-d16-s1", "config.json"))).RootElement;
        Assert.True(carried.GetProperty("carry_state").GetBoolean());
        // The LSTM's R gives its mixer about the 4·D² weights of an attention mixer: (√89 − 5)/8 · 16 ≈ 9.
        Assert.Equal(9, JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "runs", "lstm-d16-s1", "config.json"))).RootElement.GetProperty("hidden").GetInt32());
        string md = File.ReadAllText(Path.Combine(dir, "language-modelling.md"));
        var deltanetRow = md.Split('\n').Single(l => l.StartsWith("| deltanet |", StringComparison.Ordinal));
        var lstmRow = md.Split('\n').Single(l => l.StartsWith("| lstm |", StringComparison.Ordinal));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "language-modelling.json"))).RootElement;
        var runs = json.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(3, runs.Count);
        double carriedBits = runs.Single(r => r.GetProperty("carry_state").GetBoolean()).GetProperty("result").GetProperty("test_bits_per_byte").GetDouble();
        Assert.Contains(carriedBits.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), deltanetRow);
        Assert.Equal("—", lstmRow.Split('|')[4].Trim()); // no carried column for a model that cannot carry
        Assert.All(runs.Where(r => !r.GetProperty("carry_state").GetBoolean()), r => Assert.True(r.GetProperty("generation_microseconds_per_token").GetDouble() > 0));
        Assert.True(File.Exists(Path.Combine(dir, "language-modelling-curves.png")));
        Assert.Contains("Generated by", md);

        var again = Run(args);
        Assert.True(again.Code == 0, again.Err);
        Assert.Equal(3, again.Out.Split('\n').Count(l => l.Contains("already finished")));
    }
}
