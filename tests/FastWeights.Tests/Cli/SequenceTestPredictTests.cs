using System.Globalization;
using System.Text.Json;
using FastWeights.Autodiff;
using FastWeights.Tasks;
using FastWeights.Training;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace FastWeights.Tests.Cli;

/// <summary><c>test</c>, <c>predict</c> and <c>data export</c> on sequence runs (tiny runs trained for two steps).</summary>
public sealed class SequenceTestPredictTests() : CliTestBase("fw-seqtp-")
{
    private string TrainTiny(string model, string task, params string[] extra)
    {
        string run = Path.Combine(Root, model + "-" + task);
        string[] args = ["train", "--model", model, "--task", task, "--layers", "1", "--d-model", "8", "--heads", "2", "--steps", "2", "--batch", "4",
            "--train-size", "20", "--validation-size", "4", "--test-size", "5", "--out", run, "-q", .. extra];
        var r = Run(args);
        Assert.True(r.Code == 0, r.Err);
        return run;
    }

    private static JsonElement ResultJson(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json"))).RootElement;

    [Fact]
    public void TestOnAnMqarRunReproducesTheTrainersTestResult()
    {
        string run = TrainTiny("deltanet", "mqar", "--vocab", "16", "--length", "12", "--kv-pairs", "2");
        var text = Run("test", "--run", run);
        Assert.True(text.Code == 0, text.Err);
        Assert.Contains("test: query accuracy", text.Out);
        Assert.Contains("on 10 queries (deltanet on mqar, D=8, 1 layer)", text.Out);

        var json = Run("test", "--run", run, "--json");
        Assert.Equal(0, json.Code);
        var got = JsonDocument.Parse(json.Out).RootElement;
        var want = ResultJson(run);
        Assert.Equal(want.GetProperty("test_accuracy").GetDouble(), got.GetProperty("accuracy").GetDouble());
        Assert.Equal(want.GetProperty("test_loss").GetDouble(), got.GetProperty("loss").GetDouble(), 6);
        Assert.Equal(10, got.GetProperty("count").GetInt32());

        // The exported text form gives the same evaluation as the regenerated split.
        string data = Path.Combine(Root, "data");
        var export = Run("data", "export", "--run", run, "--out", data);
        Assert.True(export.Code == 0, export.Err);
        var lines = File.ReadAllLines(Path.Combine(data, "test.txt"));
        Assert.Equal(5, lines.Length);
        Assert.All(lines, l => Assert.Equal(12, l.Split(' ').Length));
        var fromFile = Run("test", "--run", run, "--data", Path.Combine(data, "test.txt"), "--json");
        Assert.True(fromFile.Code == 0, fromFile.Err);
        var f = JsonDocument.Parse(fromFile.Out).RootElement;
        Assert.Equal(got.GetProperty("accuracy").GetDouble(), f.GetProperty("accuracy").GetDouble());
        Assert.Equal(got.GetProperty("loss").GetDouble(), f.GetProperty("loss").GetDouble(), 6);

        var validation = Run("test", "--run", run, "--split", "validation", "--json");
        Assert.Equal(8, JsonDocument.Parse(validation.Out).RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public void PredictOnAnMqarRunAnswersEveryQueryAsTheModelDoes()
    {
        string run = TrainTiny("gated-deltanet", "mqar", "--vocab", "16", "--length", "12", "--kv-pairs", "2");
        const string seq = "3 9 5 12 0 3 0 5";
        var text = Run("predict", "--run", run, seq, "2,8,2");
        Assert.True(text.Code == 0, text.Err);
        var lines = text.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith(seq + " -> 3:", lines[0]);
        Assert.Contains(" 5:", lines[0]);
        Assert.StartsWith("2 8 2 -> 2:", lines[1]);

        var json = Run("predict", "--run", run, "--json", seq);
        Assert.True(json.Code == 0, json.Err);
        var queries = JsonDocument.Parse(json.Out).RootElement[0].GetProperty("queries");
        Assert.Equal(2, queries.GetArrayLength());
        Assert.Equal([6, 8], queries.EnumerateArray().Select(q => q.GetProperty("position").GetInt32()));
        Assert.Equal([9, 12], queries.EnumerateArray().Select(q => q.GetProperty("expected").GetInt32()));

        // The answers (streamed token by token) are the arg-max and softmax of the full forward pass at the query positions.
        var (_, model) = RunDirectory.LoadSequenceModel(run);
        var ids = MultiQueryAssociativeRecallText.Parse(seq, 16);
        using var _ = Tape.NoGrad();
        var logits = model.Forward(ids, 1, ids.Length).Span;
        foreach (var q in queries.EnumerateArray())
        {
            var row = logits.Slice((q.GetProperty("position").GetInt32() - 1) * 16, 16);
            var probs = new float[16];
            TensorPrimitives.SoftMax(row, probs);
            int answer = TensorPrimitives.IndexOfMax(probs);
            Assert.Equal(answer, q.GetProperty("answer").GetInt32());
            Assert.Equal(probs[answer], q.GetProperty("probability").GetSingle(), 4);
        }
    }

    [Fact]
    public void BadInputToSequenceRunsFailsWithOneLine()
    {
        string run = TrainTiny("linear-attention", "mqar", "--vocab", "16", "--length", "12", "--kv-pairs", "2");
        foreach (var (input, message) in new[] { ("3 9 5", "no query"), ("3 9 x 3", "token 'x' at position 3"), ("3 16 3", "between 0 and 15"), (" ", "empty") })
        {
            var r = Run("predict", "--run", run, input);
            Assert.Equal(2, r.Code);
            Assert.Contains(message, r.Err);
            Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        var missing = Run("test", "--run", run, "--data", Path.Combine(Root, "none.txt"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("does not exist", missing.Err);
        string bad = Path.Combine(Root, "bad.txt");
        File.WriteAllText(bad, "3 9 5 12 0 0 3 0 5 0 0 0\n3 9 5 3\n");
        var uneven = Run("test", "--run", run, "--data", bad);
        Assert.Equal(2, uneven.Code);
        Assert.Contains("bad.txt:2:", uneven.Err);
        var noRun = Run("predict", "--run", Path.Combine(Root, "nothing"), "3 9 3");
        Assert.Equal(2, noRun.Code);
    }

    [Fact]
    public void TestAndPredictWorkOnAnAssocSequenceRun()
    {
        string run = TrainTiny("transformer", "assoc", "--pairs", "2");
        var json = Run("test", "--run", run, "--json");
        Assert.True(json.Code == 0, json.Err);
        var got = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal(ResultJson(run).GetProperty("test_accuracy").GetDouble(), got.GetProperty("accuracy").GetDouble());
        Assert.Equal(5, got.GetProperty("count").GetInt32());
        var text = Run("test", "--run", run, "--split", "train");
        Assert.Contains("train: accuracy", text.Out);
        Assert.Contains("on 20 examples (transformer on assoc", text.Out);

        var predict = Run("predict", "--run", run, "a1b2??a");
        Assert.True(predict.Code == 0, predict.Err);
        Assert.Matches(@"^a1b2\?\?a -> \d \(p=[01]\.\d{3}\)  0:", predict.Out);
        var probs = predict.Out.Trim().Split("  ")[1].Split(' ').Select(s => double.Parse(s[2..], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(10, probs.Length);
        Assert.InRange(probs.Sum(), 0.99, 1.01);

        var unknown = Run("predict", "--run", run, "a1B2??a");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("'B'", unknown.Err);
        var tooLong = Run("predict", "--run", run, "a1b2c3??a");
        Assert.Equal(2, tooLong.Code);
        Assert.Contains("learned positions for 7 tokens; a sequence of 9", tooLong.Err);
    }

    /// <summary>predict --all-positions gives the log-probabilities of the whole-sequence forward pass at every position; an option predict does not take is reported as one.</summary>
    [Fact]
    public void PredictAllPositionsGivesEveryLogProbabilityAndUnknownOptionsAreNamed()
    {
        string run = TrainTiny("deltanet", "mqar", "--vocab", "16", "--length", "12", "--kv-pairs", "2");
        var r = Run("predict", "--run", run, "--all-positions", "3 9 5 12 0 3");
        Assert.True(r.Code == 0, r.Err);
        var doc = JsonDocument.Parse(r.Out).RootElement[0];
        var positions = doc.GetProperty("positions");
        Assert.Equal(6, positions.GetArrayLength());
        var (_, model) = RunDirectory.LoadModel(run);
        int[] ids = [3, 9, 5, 12, 0, 3];
        float[] logits;
        using (Tape.NoGrad())
        {
            logits = model.Forward(ids, 1, ids.Length).ToArray();
        }
        int c = model.Classes;
        for (int t = 0; t < ids.Length; t++)
        {
            var got = positions[t].GetProperty("log_probabilities").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(c, got.Length);
            Assert.Equal(1.0, got.Sum(Math.Exp), 5);
            var want = new float[c];
            TensorPrimitives.SoftMax(logits.AsSpan(t * c, c), want);
            for (int k = 0; k < c; k++)
            {
                Assert.Equal(Math.Log(want[k]), got[k], 4);
            }
            Assert.Equal(ids[t], positions[t].GetProperty("token").GetInt32());
        }

        var bad = Run("predict", "--run", run, "--form", "explicit", "3 9 5 12 0 3");
        Assert.Equal(2, bad.Code);
        Assert.Contains("unknown option '--form' for predict", bad.Err);
        Assert.Single(bad.Err.TrimEnd('\n').Split('\n'));
        string assoc = TrainTiny("fw-rnn", "assoc");
        var oneAnswer = Run("predict", "--run", assoc, "--all-positions", "a1b2??a");
        Assert.Equal(2, oneAnswer.Code);
        Assert.Contains("--all-positions is for models that predict at every position", oneAnswer.Err);
    }
}
