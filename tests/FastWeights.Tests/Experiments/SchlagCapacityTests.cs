using FastWeights.Experiments;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Tests.Autodiff;

namespace FastWeights.Tests.Experiments;

/// <summary>The capacity experiment in the form of Schlag et al.'s released code: data, network and learning.</summary>
public sealed class SchlagCapacityTests
{
    [Fact]
    public void SettingOneWritesEveryKeyOnceWithDistinctValues()
    {
        var task = new SchlagCapacityTask(12, CapacitySetting.DistinctKeys);
        Assert.Equal(12, task.Length);
        var rng = new Rng(5);
        var k = new int[12];
        var v = new int[12];
        task.SampleWrites(rng, k, v);
        Assert.Equal(Enumerable.Range(0, 12), k.Order());
        Assert.Equal(Enumerable.Range(0, 12), v.Order());
        Assert.NotEqual(Enumerable.Range(0, 12), k);
        var all = SchlagCapacityTask.AllQueries(k, v);
        Assert.Equal(12, all.Count);
        Assert.All(all, q => Assert.Equal(v[Array.IndexOf(k, q.Key)], q.Target));
        Assert.Throws<ArgumentException>(() => task.SampleWrites(rng, new int[6], new int[6]));
    }

    [Fact]
    public void SettingTwoRepeatsKeysAndQueriesAskForTheLastValue()
    {
        var task = new SchlagCapacityTask(10, CapacitySetting.RepeatedKeys);
        Assert.Equal(20, task.Length);
        var rng = new Rng(9);
        var k = new int[20];
        var v = new int[20];
        bool sawRepeat = false;
        for (int rep = 0; rep < 20; rep++)
        {
            task.SampleWrites(rng, k, v);
            Assert.All(k, x => Assert.InRange(x, 0, 9));
            Assert.All(v, x => Assert.InRange(x, 0, 9));
            var last = new Dictionary<int, int>();
            for (int t = 0; t < k.Length; t++)
            {
                sawRepeat |= last.ContainsKey(k[t]);
                last[k[t]] = v[t];
            }
            var all = SchlagCapacityTask.AllQueries(k, v);
            Assert.Equal(last.Count, all.Count);
            Assert.All(all, q => Assert.Equal(last[q.Key], q.Target));
            var (key, target) = SchlagCapacityTask.SampleQuery(rng, k, v);
            Assert.Equal(last[key], target);
        }
        Assert.True(sawRepeat);
        Assert.Equal(-1, SchlagCapacityTask.LastValue([1, 2], [3, 4], 7));
        // The released code evaluates setting 2 on S writes.
        task.SampleWrites(rng, k.AsSpan(0, 10), v.AsSpan(0, 10));
    }

    [Theory]
    [InlineData(FastWeightRule.Linear, FeatureMap.EluPlusOne)]
    [InlineData(FastWeightRule.Delta, FeatureMap.EluPlusOne)]
    [InlineData(FastWeightRule.Delta, FeatureMap.Dpfp)]
    [InlineData(FastWeightRule.Linear, FeatureMap.Dpfp)]
    public void NetworkPassesAGradientCheck(FastWeightRule rule, FeatureMap map)
    {
        var rng = new Rng(21);
        var model = new SchlagCapacityNetwork(rng, keys: 4, values: 4, hidden: 3, rule, map);
        int[] k = [0, 1, 2, 1, 3, 0, 2, 2, 1, 1, 3, 0, 0, 2, 3, 1];
        int[] v = [1, 3, 0, 2, 2, 1, 0, 3, 3, 0, 1, 2, 0, 1, 2, 3];
        int[] q = [1, 2, 0, 3];
        var parameters = model.Parameters().ToArray();
        GradCheck.Check(() => model.Forward(k, v, 2, 8, q, 2), parameters, eps: 1e-2f, atol: 1e-3, rtol: 5e-2);
    }

    [Fact]
    public void SumRuleReadIsANormalisedMixtureOfTheWrittenValues()
    {
        // ŷ = Σ_t onehot(v_t) (φ(k_t)·φ(q)) / Σ_t φ(k_t)·φ(q): non-negative, summing to one, zero for unwritten values.
        var model = new SchlagCapacityNetwork(new Rng(2), keys: 6, values: 6, hidden: 8, FastWeightRule.Linear, FeatureMap.EluPlusOne);
        int[] k = [0, 1, 2, 3];
        int[] v = [4, 4, 1, 0];
        var y = model.Forward(k, v, 1, 4, [2, 5], 2).ToArray();
        for (int row = 0; row < 2; row++)
        {
            var r = y.AsSpan(row * 6, 6);
            Assert.Equal(1.0, r.ToArray().Sum(), 4);
            Assert.All(r.ToArray(), x => Assert.True(x >= 0f));
            Assert.Equal(0f, r[2]);
            Assert.Equal(0f, r[3]);
            Assert.Equal(0f, r[5]);
        }
    }

    [Fact]
    public void DeltaRuleLearnsToOverwriteWhereTheSumRuleCannot()
    {
        // Setting 2 with S = 8 keys: 16 writes, keys repeat with new values.
        var e = new SchlagCapacityExperiment { MaxSteps = 1200 };
        var delta = e.Run(8);
        var sum = (e with { Rule = FastWeightRule.Linear }).Run(8);
        Assert.True(delta.Accuracy > 0.95, $"delta accuracy {delta.Accuracy} after {delta.Steps} steps, loss {delta.Loss}");
        Assert.True(sum.Accuracy < delta.Accuracy - 0.15, $"sum {sum.Accuracy}, delta {delta.Accuracy}");
        Assert.True(delta.Loss < sum.Loss);
        Assert.InRange(delta.Steps, 100, 1200);
    }
}
