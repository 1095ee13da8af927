using System.Text.Json;
using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Models;
using FastWeights.Serialization;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Tests.Training;
using FastWeights.Training;
using FastWeights.Training.Reinforcement;

namespace FastWeights.Tests.Reinforcement;

/// <summary>
/// The actor-critic pieces: n-step returns against hand-computed cases, the fused loss against a float64 reference and
/// its central differences, the agent's step-by-step acting against its whole-episode forward pass for every core, and
/// whole runs (determinism across thread counts, bit-identical resume, a reduced learning test).
/// </summary>
public sealed class ActorCriticTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "fw-a2c-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void NStepReturnsMatchHandComputedValues()
    {
        float[] rewards = [0, 0, 0, 1, 0, 0, 0, -1];
        float[] values = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f];
        var ret = new float[8];
        NStepReturns.Compute(rewards, values, 4, 0.5f, 2, ret);
        // R(0) = 0 + ½·0 + ¼·V(2); R(1) = ¼·V(3); R(2) = 0 + ½·1 (the episode ends); R(3) = 1.
        Assert.Equal([0.075f, 0.1f, 0.5f, 1f, 0.175f, 0.2f, -0.5f, -1f], ret, new FloatTolerance(1e-6f));
        NStepReturns.Compute(rewards, values, 4, 0.5f, 4, ret); // n = T: the Monte-Carlo return
        Assert.Equal([0.125f, 0.25f, 0.5f, 1f, -0.125f, -0.25f, -0.5f, -1f], ret, new FloatTolerance(1e-6f));
        Assert.Throws<ArgumentException>(() => NStepReturns.Compute(rewards, values, 3, 0.5f, 2, ret));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }

    // The loss in float64 with the advantages Â = R − V₀ fixed at the given values V₀ (the policy term's constant).
    private static double ReferenceLoss(double[] z, double[] v, double[] v0, int[] actions, double[] returns, int a, double cv, double beta)
    {
        int rows = actions.Length;
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < a; j++)
            {
                max = Math.Max(max, z[(i * a) + j]);
            }
            double sum = 0;
            for (int j = 0; j < a; j++)
            {
                sum += Math.Exp(z[(i * a) + j] - max);
            }
            double logSum = max + Math.Log(sum);
            double h = 0;
            for (int j = 0; j < a; j++)
            {
                double lp = z[(i * a) + j] - logSum;
                h -= Math.Exp(lp) * lp;
            }
            double advantage = returns[i] - v0[i];
            double err = returns[i] - v[i];
            total += (-advantage * (z[(i * a) + actions[i]] - logSum)) + (cv * 0.5 * err * err) - (beta * h);
        }
        return total / rows;
    }

    [Theory]
    [InlineData(1, 0.5f, 0.01f)]
    [InlineData(7, 1f, 0.2f)]
    [InlineData(12, 0f, 0f)]
    public void TheLossAndItsGradientsMatchAFloat64ReferenceAndItsCentralDifferences(int rows, float valueWeight, float entropyWeight)
    {
        const int A = 3;
        var rng = new Rng((ulong)rows);
        var logits = Tensor.RandomNormal(rng, 1.5f, rows, A);
        var values = Tensor.RandomNormal(rng, 0.5f, rows, 1);
        var actions = Enumerable.Range(0, rows).Select(_ => rng.NextInt(A)).ToArray();
        var returns = Enumerable.Range(0, rows).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        logits.RequiresGrad = true;
        values.RequiresGrad = true;
        Tape.Reset();
        var loss = Ops.ActorCriticLoss(logits, values, actions, returns, valueWeight, entropyWeight);
        Tape.Backward(loss);

        double[] z = [.. logits.ToArray().Select(x => (double)x)];
        double[] v = [.. values.ToArray().Select(x => (double)x)];
        double[] v0 = [.. v];
        double[] r = [.. returns.Select(x => (double)x)];
        double L(double[] zz, double[] vv) => ReferenceLoss(zz, vv, v0, actions, r, A, valueWeight, entropyWeight);
        Assert.Equal(L(z, v), loss.Item(), 1e-5);

        const double h = 1e-5;
        double maxGrad = 0;
        void Check(double[] x, float[] analytic, string name)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double orig = x[i];
                x[i] = orig + h;
                double plus = L(z, v);
                x[i] = orig - h;
                double minus = L(z, v);
                x[i] = orig;
                double numeric = (plus - minus) / (2 * h);
                maxGrad = Math.Max(maxGrad, Math.Abs(numeric));
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-5 + (1e-4 * Math.Abs(numeric)), $"{name}[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6}");
            }
        }
        Check(z, logits.Grad!.ToArray(), "dL/dlogits");
        Check(v, values.Grad!.ToArray(), "dL/dvalues");
        Assert.True(maxGrad > 1e-3, "the checked loss has (almost) zero gradient");
    }

    [Theory]
    [InlineData("fw-rnn")]
    [InlineData("irnn")]
    [InlineData("rnn-ln")]
    [InlineData("lstm")]
    public void ActingStepByStepGivesTheWholeEpisodeForwardPass(string model)
    {
        const int B = 3, T = 6, R = 8;
        var agent = ModelCatalog.Find(model).CreateAgent(new TrainingConfig { Model = model, Hidden = R }, new FastWeights.Tasks.Catch.CatchTask(4, 2, 1), new Rng(3));
        Assert.Equal(16, agent.ObservationSize);
        var rng = new Rng(11);
        var obs = Tensor.RandomUniform(rng, 0, 1, B, T, 16);
        Tensor logits, values;
        using (Tape.NoGrad())
        {
            (logits, values) = agent.Forward(obs);
        }
        var state = agent.CreateState(B);
        var frame = new float[B * 16];
        var l = new float[B * 3];
        var v = new float[B];
        var hidden = new float[B * R];
        for (int t = 0; t < T; t++)
        {
            for (int b = 0; b < B; b++)
            {
                obs.Span.Slice(((b * T) + t) * 16, 16).CopyTo(frame.AsSpan(b * 16, 16));
            }
            agent.Act(state, frame, l, v, hidden);
            for (int b = 0; b < B; b++)
            {
                for (int j = 0; j < 3; j++)
                {
                    Assert.Equal(logits.Span[(((b * T) + t) * 3) + j], l[(b * 3) + j], 1e-5f);
                }
                Assert.Equal(values.Span[(b * T) + t], v[b], 1e-5f);
            }
        }
    }

    [Theory]
    [InlineData("gru-ln")]
    [InlineData("a-lstm")]
    [InlineData("deltanet")]
    [InlineData("transformer")]
    public void ModelsWithoutAStepByStepFormAreRefusedAsCores(string model)
    {
        var config = new TrainingConfig { Task = "catch", Model = model };
        var e = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains("cannot be an agent's core", e.Message);
        Assert.Contains("fw-rnn", e.Message);
    }

    [Fact]
    public void SequenceCommandsOnACatchRunSayItHasNoSequences()
    {
        var e = Assert.Throws<ArgumentException>(() => TaskCatalog.Create(new TrainingConfig { Task = "catch" }));
        Assert.Contains("learnt by reinforcement", e.Message);
        Assert.False(new TrainingConfig { Task = "catch" }.IsSequenceRun());
    }

    internal static TrainingConfig Small(int steps = 30, string model = "fw-rnn") => new()
    {
        Task = "catch",
        Model = model,
        Size = 8,
        BlankAfter = 3,
        Hidden = 16,
        Steps = steps,
        Batch = 16,
        EvalEvery = 10,
        SaveEvery = 10,
        WarmupSteps = 5,
        EvalEpisodes = 100,
        TestEpisodes = 200,
    };

    private static List<float[]> Weights(string dir) =>
        [.. SafeTensorsFile.Load(Path.Combine(dir, RunDirectory.ModelFile)).ToList().Select(p => p.Value.ToArray())];

    [Fact]
    public void TheSameSeedGivesBitIdenticalRunsWhateverTheThreadCount()
    {
        string one = Path.Combine(root, "one"), two = Path.Combine(root, "two");
        int saved = KernelThreads.MaxThreads;
        try
        {
            KernelThreads.MaxThreads = 1;
            Assert.Equal(TrainingOutcome.Completed, Trainer.Train(Small(20, "lstm"), one).Outcome);
            KernelThreads.MaxThreads = Math.Max(2, Environment.ProcessorCount);
            Assert.Equal(TrainingOutcome.Completed, Trainer.Train(Small(20, "lstm"), two).Outcome);
        }
        finally
        {
            KernelThreads.MaxThreads = saved;
        }
        Assert.Equal(Weights(one), Weights(two));
        Assert.Equal(TrainerTests.MetricsWithoutSeconds(one), TrainerTests.MetricsWithoutSeconds(two));
        Assert.Equal(File.ReadAllText(Path.Combine(one, RunDirectory.ResultFile)), File.ReadAllText(Path.Combine(two, RunDirectory.ResultFile)));
        // Another seed plays other episodes and ends elsewhere.
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(Small(20, "lstm") with { Seed = 2 }, Path.Combine(root, "seed2")).Outcome);
        Assert.NotEqual(Weights(one)[0], Weights(Path.Combine(root, "seed2"))[0]);
    }

    [Fact]
    public void AResumedRunEqualsAnUninterruptedOneWeightsAndMetrics()
    {
        var config = Small(30);
        string straight = Path.Combine(root, "straight"), interrupted = Path.Combine(root, "interrupted");
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config, straight).Outcome);
        using var cts = new CancellationTokenSource();
        Assert.Equal(TrainingOutcome.Interrupted, Trainer.Train(config, interrupted, new CancelAtStep(13, cts), cts.Token).Outcome);
        Assert.Equal(TrainingOutcome.Completed, Trainer.Resume(interrupted).Outcome);
        Assert.Equal(Weights(straight), Weights(interrupted));
        Assert.Equal(TrainerTests.MetricsWithoutSeconds(straight), TrainerTests.MetricsWithoutSeconds(interrupted));
        using var doc = JsonDocument.Parse(File.ReadAllLines(Path.Combine(interrupted, RunDirectory.MetricsFile))[1]);
        Assert.True(doc.RootElement.TryGetProperty("validation_return", out _));
        Assert.True(doc.RootElement.TryGetProperty("train_return", out _));
    }

    [Fact]
    public void FastWeightsLearnASmallPartlyBlankBoardWellAboveChance()
    {
        // 12×12, blank after 4 of 11 frames; chance is 3/12 = 25%. About two seconds of training.
        var config = new TrainingConfig
        {
            Task = "catch",
            Model = "fw-rnn",
            Size = 12,
            BlankAfter = 4,
            Hidden = 32,
            Steps = 400,
            Batch = 32,
            EvalEvery = 200,
            SaveEvery = 400,
            EvalEpisodes = 500,
            TestEpisodes = 2000,
        };
        var result = Trainer.Train(config, Path.Combine(root, "learn"));
        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.True(result.Test!.Accuracy > 0.5, $"test catch rate {result.Test.Accuracy:P1} should exceed 50% (chance 25%)");
    }
}
