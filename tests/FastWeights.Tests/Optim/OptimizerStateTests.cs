using FastWeights.Optim;
using FastWeights.Serialization;
using FastWeights.Tensors;

namespace FastWeights.Tests.Optim;

public sealed class OptimizerStateTests
{
    private static List<KeyValuePair<string, Tensor>> MakeParameters(int seed) =>
    [
        new("layer.w", Tensor.RandomNormal(new Rng((ulong)seed), 1f, 5, 7)),
        new("layer.b", Tensor.RandomNormal(new Rng((ulong)seed + 1), 1f, 7)),
        new("unused", Tensor.RandomNormal(new Rng((ulong)seed + 2), 1f, 3)),
    ];

    /// <summary>Deterministic pseudo-gradients that depend on the step and on the current values.</summary>
    private static void SetGradients(List<KeyValuePair<string, Tensor>> parameters, int step)
    {
        var rng = new Rng((ulong)(1000 + step));
        foreach (var (name, p) in parameters)
        {
            if (name == "unused")
            {
                continue;
            }
            var g = Tensor.RandomNormal(rng, 1f, p.ShapeArray());
            for (int i = 0; i < g.Length; i++)
            {
                g.Span[i] += 0.3f * p.Span[i];
            }
            p.Grad = g;
        }
    }

    public static TheoryData<string> Kinds => ["adam", "adamw", "sgd", "nesterov"];

    private static Optimizer Make(string kind, List<KeyValuePair<string, Tensor>> parameters) => kind switch
    {
        "adam" => new Adam(parameters, learningRate: 0.01f),
        "adamw" => new Adam(parameters, learningRate: 0.01f, weightDecay: 0.1f, decoupledWeightDecay: true),
        "sgd" => new Sgd(parameters, learningRate: 0.05f, momentum: 0.9f),
        _ => new Sgd(parameters, learningRate: 0.05f, momentum: 0.9f, nesterov: true, weightDecay: 0.01f),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ResumingFromExportedStateIsBitIdentical(string kind)
    {
        var schedule = new CosineSchedule(1f, totalSteps: 12, warmupSteps: 3, floorLearningRate: 0.1f);
        float baseRate = kind.StartsWith("adam", StringComparison.Ordinal) ? 0.01f : 0.05f;

        void Run(Optimizer optimizer, List<KeyValuePair<string, Tensor>> parameters, int from, int to)
        {
            for (int step = from; step < to; step++)
            {
                SetGradients(parameters, step);
                optimizer.LearningRate = baseRate * schedule.At(optimizer.StepCount);
                optimizer.Step();
                optimizer.ZeroGrad();
            }
        }

        var straightParameters = MakeParameters(8);
        var straight = Make(kind, straightParameters);
        Run(straight, straightParameters, 0, 10);

        var firstParameters = MakeParameters(8);
        var first = Make(kind, firstParameters);
        Run(first, firstParameters, 0, 6);
        var saved = first.StateTensors().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.Clone())).ToList();
        var savedParameters = firstParameters.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.Clone())).ToList();

        var resumedParameters = savedParameters;
        var resumed = Make(kind, resumedParameters);
        resumed.LoadState(saved);
        Assert.Equal(6, resumed.StepCount);
        Run(resumed, resumedParameters, 6, 10);

        Assert.Equal(straight.StepCount, resumed.StepCount);
        foreach (var ((name, a), (_, b)) in straightParameters.Zip(resumedParameters))
        {
            Assert.True(a.ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.ToArray().Select(BitConverter.SingleToInt32Bits)), name);
        }
        foreach (var ((name, a), (_, b)) in straight.StateTensors().Zip(resumed.StateTensors()))
        {
            Assert.True(a.ToArray().SequenceEqual(b.ToArray()), name);
        }
    }

    [Fact]
    public void StateSurvivesASafeTensorsFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fw-opt-{Guid.NewGuid():N}.safetensors");
        try
        {
            var parameters = MakeParameters(2);
            var adam = new Adam(parameters, learningRate: 0.01f);
            SetGradients(parameters, 0);
            adam.Step();
            SafeTensorsFile.Save(path, adam.StateTensors());
            var names = SafeTensorsFile.Load(path).Names;
            Assert.Equal(["adam.step", "adam.m.layer.w", "adam.m.layer.b", "adam.m.unused", "adam.v.layer.w", "adam.v.layer.b", "adam.v.unused"], adam.StateTensors().Select(kv => kv.Key));
            Assert.Equal(7, names.Count);

            var other = new Adam(MakeParameters(2), learningRate: 0.01f);
            other.LoadState(SafeTensorsFile.Load(path).ToList());
            Assert.Equal(1, other.StepCount);
            foreach (var ((name, a), (_, b)) in adam.StateTensors().Zip(other.StateTensors()))
            {
                Assert.True(a.ToArray().SequenceEqual(b.ToArray()), name);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadStateRejectsMismatchesWithoutChangingAnything()
    {
        var adam = new Adam(MakeParameters(1), learningRate: 0.01f);
        var state = adam.StateTensors().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, Tensor.Full(1f, kv.Value.ShapeArray()))).ToList();
        state[0] = new("adam.step", Tensor.Scalar(5f));

        var wrongShape = state.ToList();
        wrongShape[1] = new(wrongShape[1].Key, Tensor.Zeros(2));
        var e = Assert.Throws<ArgumentException>(() => adam.LoadState(wrongShape));
        Assert.Contains("'adam.m.layer.w' has shape [2]", e.Message);
        Assert.Equal(0, adam.StepCount);
        Assert.All(adam.StateTensors().Skip(1), kv => Assert.All(kv.Value.ToArray(), x => Assert.Equal(0f, x)));

        var missing = state.Where(kv => kv.Key != "adam.v.layer.b").ToList();
        e = Assert.Throws<ArgumentException>(() => adam.LoadState(missing));
        Assert.Contains("missing 'adam.v.layer.b'", e.Message);

        var extra = state.Append(new("adam.m.ghost", Tensor.Zeros(1))).Append(new("model.w", Tensor.Zeros(1))).ToList();
        e = Assert.Throws<ArgumentException>(() => adam.LoadState(extra));
        Assert.Contains("unexpected 'adam.m.ghost'", e.Message);
        Assert.DoesNotContain("model.w", e.Message);

        Assert.Throws<ArgumentException>(() => new Sgd(MakeParameters(1), 0.1f, momentum: 0.9f).LoadState(state));

        adam.LoadState(state.Append(new("model.w", Tensor.Zeros(1))));
        Assert.Equal(5, adam.StepCount);
    }
}
