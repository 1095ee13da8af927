using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Tests.Tasks;

/// <summary>Properties of the MQAR generator and of the capacity task.</summary>
public sealed class MultiQueryAssociativeRecallTaskTests
{
    /// <summary>
    /// The default layout is Zoology's multiquery_ar: the pairs first; key i queried once at 2P + 2gᵢ (even offsets) with
    /// its value as the target there; random tokens elsewhere, the answer not written after the query; gaps drawn from
    /// the power law p(g) ∝ (g + 1)^(a − 1), a = 0.01, so short gaps dominate.
    /// </summary>
    [Theory]
    [InlineData(256, 64, 4)]
    [InlineData(66, 64, 8)]
    [InlineData(8192, 256, 16)]
    public void ExamplesFollowTheZoologyDefinition(int vocab, int length, int pairs)
    {
        var task = new MultiQueryAssociativeRecallTask(vocab, length, pairs);
        Assert.Equal(MqarQueryLayout.Zoology, task.Layout);
        var data = task.Generate(seed: 5, count: 300);
        int context = 2 * pairs, space = (length - context) / 2;
        int shortGaps = 0, queries = 0, zeros = 0, fillers = 0, answerFollows = 0;
        for (int n = 0; n < data.Count; n++)
        {
            var x = data.Sequence(n);
            var y = data.TargetsOf(n);
            var map = new Dictionary<int, int>();
            for (int i = 0; i < pairs; i++)
            {
                Assert.InRange(x[2 * i], 1, (vocab / 2) - 1);
                Assert.InRange(x[(2 * i) + 1], vocab / 2, vocab - 1);
                Assert.True(map.TryAdd(x[2 * i], x[(2 * i) + 1]), "keys are distinct");
                Assert.Equal(TokenDataset.IgnoreIndex, y[2 * i]);
                Assert.Equal(TokenDataset.IgnoreIndex, y[(2 * i) + 1]);
            }
            Assert.Equal(pairs, map.Values.Distinct().Count());
            var queried = new List<int>();
            for (int t = context; t < length; t++)
            {
                if (y[t] == TokenDataset.IgnoreIndex)
                {
                    Assert.InRange(x[t], 0, vocab - 1);
                    zeros += x[t] == 0 ? 1 : 0;
                    fillers++;
                    continue;
                }
                Assert.Equal(0, (t - context) % 2); // even offsets after the pairs
                Assert.Equal(map[x[t]], y[t]);
                queried.Add(x[t]);
                queries++;
                shortGaps += (t - context) / 2 < space / 4 ? 1 : 0;
                answerFollows += t + 1 < length && x[t + 1] == y[t] ? 1 : 0;
            }
            Assert.Equal(map.Keys.Order(), queried.Order());
        }
        // Random filler (about 1/V of it 0), not zeros; the answer follows its query only by chance.
        Assert.True(zeros < (fillers / (double)vocab) + (5 * Math.Sqrt(fillers / (double)vocab)) + 5, $"{zeros} zeros among {fillers} filler tokens");
        Assert.True(answerFollows < (queries / 4) + 5, $"{answerFollows} of {queries} queries followed by their answer");
        // The power law: far more than the uniform quarter of the gaps in the first quarter of the space.
        Assert.True(shortGaps > 0.4 * queries, $"{shortGaps} of {queries} gaps in the first quarter");
    }

    /// <summary>Zoology's conditions (T even, V &gt; T) hold for its layout; the answered layout takes any sizes.</summary>
    [Theory]
    [InlineData(16, 16, 3)]
    [InlineData(64, 33, 4)]
    public void TheZoologyLayoutNeedsAnEvenLengthBelowTheVocabulary(int vocab, int length, int pairs)
    {
        var e = Assert.Throws<ArgumentException>(() => new MultiQueryAssociativeRecallTask(vocab, length, pairs));
        Assert.Contains("--query-layout zoology needs an even --length below --vocab", e.Message);
        Assert.Equal(length, new MultiQueryAssociativeRecallTask(vocab, length, pairs, MqarQueryLayout.Answered).Length);
        Assert.Throws<ArgumentException>(() => MultiQueryAssociativeRecallTask.ParseLayout("uniform"));
        Assert.Equal(MqarQueryLayout.Answered, MultiQueryAssociativeRecallTask.ParseLayout("answered"));
    }

    [Theory]
    [InlineData(256, 64, 4)]
    [InlineData(16, 12, 3)]
    [InlineData(64, 32, 8)]
    public void ExamplesFollowTheAnsweredLayout(int vocab, int length, int pairs)
    {
        var task = new MultiQueryAssociativeRecallTask(vocab, length, pairs, MqarQueryLayout.Answered);
        var data = task.Generate(seed: 5, count: 300);
        Assert.Equal(300, data.Count);
        for (int n = 0; n < data.Count; n++)
        {
            var x = data.Sequence(n);
            var y = data.TargetsOf(n);
            var map = new Dictionary<int, int>();
            for (int i = 0; i < pairs; i++)
            {
                int k = x[2 * i], v = x[(2 * i) + 1];
                Assert.InRange(k, 1, (vocab / 2) - 1);
                Assert.InRange(v, vocab / 2, vocab - 1);
                Assert.True(map.TryAdd(k, v), "keys are distinct");
            }
            Assert.Equal(pairs, map.Values.Distinct().Count());
            var queried = new List<int>();
            for (int t = 2 * pairs; t < length; t++)
            {
                if (y[t] == TokenDataset.IgnoreIndex)
                {
                    Assert.True(x[t] == 0 || (t > 0 && y[t - 1] != TokenDataset.IgnoreIndex && x[t] == y[t - 1]), "gaps are 0; a value follows its query");
                    continue;
                }
                Assert.Equal(map[x[t]], y[t]);
                queried.Add(x[t]);
            }
            Assert.Equal(map.Keys.Order(), queried.Order());
            for (int t = 0; t < 2 * pairs; t++)
            {
                Assert.Equal(TokenDataset.IgnoreIndex, y[t]);
            }
        }
    }

    [Fact]
    public void GenerationIsDeterministicAndVaried()
    {
        var task = new MultiQueryAssociativeRecallTask(64, 32, 4);
        var a = task.Generate(9, 50);
        var b = task.Generate(9, 50);
        var c = task.Generate(10, 50);
        Assert.Equal(a.Inputs, b.Inputs);
        Assert.Equal(a.Targets, b.Targets);
        Assert.NotEqual(a.Inputs, c.Inputs);
        var firstQuery = Enumerable.Range(0, 50).Select(n => a.TargetsOf(n).ToArray().ToList().FindIndex(v => v != TokenDataset.IgnoreIndex)).Distinct().Count();
        Assert.True(firstQuery > 3, "query positions vary between examples");
    }

    [Theory]
    [InlineData(7, 64, 4, "--vocab")]
    [InlineData(64, 15, 4, "--length")]
    [InlineData(16, 64, 8, "--kv-pairs")]
    public void BadSizesNameTheOption(int vocab, int length, int pairs, string option)
    {
        var e = Assert.Throws<ArgumentException>(() => new MultiQueryAssociativeRecallTask(vocab, length, pairs));
        Assert.Contains(option, e.Message);
    }

    [Theory]
    [InlineData(CapacitySetting.DistinctKeys)]
    [InlineData(CapacitySetting.RepeatedKeys)]
    public void CapacityQueriesAskForTheLatestValue(CapacitySetting setting)
    {
        var task = new CapacityTask(keys: 10, values: 8, setting);
        Assert.Equal(setting == CapacitySetting.DistinctKeys ? 20 : 30, task.Length);
        var rng = new Rng(3);
        int n = task.Length;
        var keys = new int[n];
        var values = new int[n];
        var targets = new int[n];
        bool sawRepeat = false;
        for (int rep = 0; rep < 20; rep++)
        {
            task.Sample(rng, keys, values, targets);
            var latest = new Dictionary<int, int>();
            for (int t = 0; t < task.Writes; t++)
            {
                Assert.InRange(values[t], 0, 7);
                Assert.Equal(TokenDataset.IgnoreIndex, targets[t]);
                sawRepeat |= latest.ContainsKey(keys[t]);
                latest[keys[t]] = values[t];
            }
            Assert.Equal(10, latest.Count);
            Assert.Equal(Enumerable.Range(0, 10), keys[task.Writes..].Order());
            for (int t = task.Writes; t < n; t++)
            {
                Assert.Equal(task.NoValue, values[t]);
                Assert.Equal(latest[keys[t]], targets[t]);
            }
        }
        Assert.Equal(setting == CapacitySetting.RepeatedKeys, sawRepeat);
    }
}
