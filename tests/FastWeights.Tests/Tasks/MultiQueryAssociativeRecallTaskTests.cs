using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Tests.Tasks;

/// <summary>Properties of the MQAR generator and of the capacity task.</summary>
public sealed class MultiQueryAssociativeRecallTaskTests
{
    [Theory]
    [InlineData(256, 64, 4)]
    [InlineData(16, 12, 3)]
    [InlineData(64, 32, 8)]
    public void ExamplesFollowTheZoologyDefinition(int vocab, int length, int pairs)
    {
        var task = new MultiQueryAssociativeRecallTask(vocab, length, pairs);
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
