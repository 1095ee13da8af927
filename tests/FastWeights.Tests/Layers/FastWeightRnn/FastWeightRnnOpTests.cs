using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.FastWeightRnn;

public class FastWeightRnnOpTests
{
    /// <summary>Random inputs of one problem, kept in float32 (what the op sees).</summary>
    private sealed record Problem(int B, int T, int R, float[] U, float[] W, float[] Gain, float[] Bias, float[] LossWeights);

    /// <summary>
    /// Without layer norm the fast memory makes h grow like η‖h‖²·h, so those cases use small inputs
    /// (<paramref name="inputScale"/>) and a small η to stay finite.
    /// </summary>
    private static Problem MakeProblem(ulong seed, int b, int t, int r, float inputScale = 1f)
    {
        var rng = new Rng(seed);
        var u = new float[b * t * r];
        rng.FillNormal(u, 0.2f * inputScale, inputScale);
        var w = new float[r * r];
        rng.FillNormal(w, 0f, 0.3f / MathF.Sqrt(r));
        for (int i = 0; i < r; i++)
        {
            w[(i * r) + i] += 0.4f;
        }
        var gain = new float[r];
        rng.FillNormal(gain, 1f, 0.3f);
        var bias = new float[r];
        rng.FillNormal(bias, 0.1f, 0.3f);
        var lossWeights = new float[b * t * r];
        rng.FillNormal(lossWeights, 0f, 1f);
        return new Problem(b, t, r, u, w, gain, bias, lossWeights);
    }

    /// <summary>
    /// The obviously-right float64 reference: literally keeps A per example and loops over the paper's equations.
    /// </summary>
    private static double[] Reference(Problem p, double[] u, double[] w, double[] gain, double[] bias, FastWeightRnnOptions o)
    {
        int bs = p.B, ts = p.T, r = p.R;
        var hAll = new double[bs * ts * r];
        for (int b = 0; b < bs; b++)
        {
            var a = new double[r, r];
            var hPrev = new double[r];
            for (int t = 0; t < ts; t++)
            {
                var pre = new double[r];
                for (int i = 0; i < r; i++)
                {
                    double sum = u[(((b * ts) + t) * r) + i];
                    for (int j = 0; j < r; j++)
                    {
                        sum += w[(i * r) + j] * hPrev[j];
                    }
                    pre[i] = sum;
                }
                double[] h;
                if (!o.UseFastWeights)
                {
                    h = Relu(o.UseLayerNorm ? LayerNorm(pre, gain, bias) : pre);
                }
                else
                {
                    h = Relu(pre);
                    for (int s = 0; s < o.InnerSteps; s++)
                    {
                        var z = new double[r];
                        for (int i = 0; i < r; i++)
                        {
                            double sum = pre[i];
                            for (int j = 0; j < r; j++)
                            {
                                sum += a[i, j] * h[j];
                            }
                            z[i] = sum;
                        }
                        h = Relu(o.UseLayerNorm ? LayerNorm(z, gain, bias) : z);
                    }
                    for (int i = 0; i < r; i++)
                    {
                        for (int j = 0; j < r; j++)
                        {
                            a[i, j] = (o.Lambda * a[i, j]) + (o.Eta * h[i] * h[j]);
                        }
                    }
                }
                Array.Copy(h, 0, hAll, ((b * ts) + t) * r, r);
                hPrev = h;
            }
        }
        return hAll;
    }

    private static double[] Relu(double[] x) => x.Select(v => Math.Max(0.0, v)).ToArray();

    private static double[] LayerNorm(double[] x, double[] gain, double[] bias)
    {
        double mean = x.Average();
        double variance = x.Select(v => (v - mean) * (v - mean)).Average();
        double rstd = 1.0 / Math.Sqrt(variance + 1e-5);
        return x.Select((v, i) => (gain[i] * (v - mean) * rstd) + bias[i]).ToArray();
    }

    private static double[] ToDouble(float[] x) => x.Select(v => (double)v).ToArray();

    private static double ReferenceLoss(Problem p, double[] u, double[] w, double[] g, double[] beta, FastWeightRnnOptions o)
    {
        var h = Reference(p, u, w, g, beta, o);
        double loss = 0;
        for (int i = 0; i < h.Length; i++)
        {
            loss += h[i] * p.LossWeights[i];
        }
        return loss;
    }

    /// <summary>Result of the fused op: H and the gradients of Σ H ⊙ lossWeights.</summary>
    private sealed record Fused(float[] H, float[] DU, float[] DW, float[] DGain, float[] DBias);

    private static Fused RunFused(Problem p, FastWeightRnnOptions o, int maxThreads = -1)
    {
        var u = Tensor.FromArray((float[])p.U.Clone(), p.B, p.T, p.R);
        var w = Tensor.FromArray((float[])p.W.Clone(), p.R, p.R);
        var gain = Tensor.FromArray((float[])p.Gain.Clone(), p.R);
        var bias = Tensor.FromArray((float[])p.Bias.Clone(), p.R);
        foreach (var x in new[] { u, w, gain, bias })
        {
            x.RequiresGrad = true;
        }
        var h = FastWeightRnnOp.Forward(u, w, gain, bias, o, maxThreads);
        var loss = WeightedSum(h, p.LossWeights);
        Tape.Backward(loss);
        static float[] GradOf(Tensor x) => x.Grad?.ToArray() ?? new float[x.Length];
        return new Fused(h.ToArray(), GradOf(u), GradOf(w), GradOf(gain), GradOf(bias));
    }

    /// <summary>loss = Σ h ⊙ c, recorded on the tape like any op (keeps these tests independent of Ops).</summary>
    private static Tensor WeightedSum(Tensor h, float[] c)
    {
        var hs = h.Span;
        double sum = 0;
        for (int i = 0; i < hs.Length; i++)
        {
            sum += hs[i] * c[i];
        }
        var loss = Tensor.Scalar((float)sum);
        Tape.Record(loss, () =>
        {
            float g = loss.Grad!.Item();
            var dh = h.EnsureGrad().Span;
            for (int i = 0; i < dh.Length; i++)
            {
                dh[i] += g * c[i];
            }
        });
        return loss;
    }

    private static double RelativeRms(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            den += expected[i] * expected[i];
        }
        return Math.Sqrt(num / Math.Max(den, 1e-30));
    }

    private static double RelativeRms(float[] actual, float[] expected) => RelativeRms(actual, ToDouble(expected));

    private static FastWeightRnnOptions Options(int s, bool ln, float lambda, float eta, FastWeightsForm form) =>
        new() { InnerSteps = s, UseLayerNorm = ln, Lambda = lambda, Eta = eta, Form = form };

    public static TheoryData<int, int, int, int, bool> ReferenceCases() => new()
    {
        { 1, 4, 6, 1, true },
        { 3, 5, 4, 2, true },
        { 2, 6, 3, 3, false },
        { 10, 3, 7, 2, true },
    };

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Forward_MatchesFloat64StepByStepReference(int b, int t, int r, int s, bool ln)
    {
        var p = MakeProblem(1, b, t, r, ln ? 1f : 0.3f);
        foreach (var form in new[] { FastWeightsForm.Explicit, FastWeightsForm.Efficient })
        {
            var o = Options(s, ln, 0.9f, ln ? 0.5f : 0.05f, form);
            var fused = RunFused(p, o);
            var reference = Reference(p, ToDouble(p.U), ToDouble(p.W), ToDouble(p.Gain), ToDouble(p.Bias), o);
            Assert.True(reference.Any(v => v > 0), "degenerate test: all hidden units are off");
            double err = RelativeRms(fused.H, reference);
            Assert.True(err < 1e-5, $"{form}: forward relative RMS error {err}");
        }
    }

    [Fact]
    public void ExplicitAndEfficientForms_AgreeOnOutputsAndAllGradients()
    {
        var shapes = new (int B, int T, int R)[] { (1, 3, 5), (3, 6, 4), (9, 2, 7), (2, 10, 3) };
        var decays = new (float Lambda, float Eta)[] { (0.95f, 0.5f), (0f, 1f), (1f, 0.3f) };
        ulong seed = 10;
        foreach (var (b, t, r) in shapes)
        {
            foreach (int s in new[] { 1, 2, 3 })
            {
                foreach (bool ln in new[] { true, false })
                {
                    foreach (var (lambda, eta) in decays)
                    {
                        var p = MakeProblem(seed++, b, t, r, ln ? 1f : 0.3f);
                        float etaUsed = ln ? eta : 0.1f * eta;
                        var ex = RunFused(p, Options(s, ln, lambda, etaUsed, FastWeightsForm.Explicit));
                        var ef = RunFused(p, Options(s, ln, lambda, etaUsed, FastWeightsForm.Efficient));
                        string where = $"B={b} T={t} R={r} S={s} LN={ln} λ={lambda} η={eta}";
                        Assert.True(ex.H.Any(v => v > 0) && ex.H.All(float.IsFinite), $"degenerate case {where}: max {ex.H.Max()}");
                        Assert.True(RelativeRms(ex.H, ef.H) < 1e-4, $"H differs: {where}");
                        Assert.True(RelativeRms(ex.DU, ef.DU) < 1e-4, $"dU differs: {where}");
                        Assert.True(RelativeRms(ex.DW, ef.DW) < 1e-4, $"dW differs: {where}");
                        if (ln)
                        {
                            Assert.True(RelativeRms(ex.DGain, ef.DGain) < 1e-4, $"dg differs: {where}");
                            Assert.True(RelativeRms(ex.DBias, ef.DBias) < 1e-4, $"dβ differs: {where}");
                        }
                        else
                        {
                            Assert.All(ex.DGain, v => Assert.Equal(0f, v));
                        }
                    }
                }
            }
        }
    }

    public static TheoryData<string, int, bool, bool, FastWeightsForm> GradientCases() => new()
    {
        { "fast weights, LN, S=1, explicit", 1, true, true, FastWeightsForm.Explicit },
        { "fast weights, LN, S=2, efficient", 2, true, true, FastWeightsForm.Efficient },
        { "fast weights, LN, S=3, explicit", 3, true, true, FastWeightsForm.Explicit },
        { "fast weights, no LN, S=2, efficient", 2, false, true, FastWeightsForm.Efficient },
        { "fast weights, no LN, S=2, explicit", 2, false, true, FastWeightsForm.Explicit },
        { "rnn-ln", 1, true, false, FastWeightsForm.Auto },
        { "plain ReLU RNN", 1, false, false, FastWeightsForm.Auto },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Backward_MatchesCentralFiniteDifferencesOfFloat64Reference(string name, int s, bool ln, bool fast, FastWeightsForm form)
    {
        var p = MakeProblem(7, 2, 5, 4, ln ? 1f : 0.5f);
        var o = new FastWeightRnnOptions { InnerSteps = s, UseLayerNorm = ln, UseFastWeights = fast, Lambda = 0.9f, Eta = ln ? 0.7f : 0.1f, Form = form };
        var fused = RunFused(p, o);
        double[] u = ToDouble(p.U), w = ToDouble(p.W), g = ToDouble(p.Gain), beta = ToDouble(p.Bias);

        double[] FiniteDifference(double[] x)
        {
            const double Eps = 1e-6;
            var grad = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                double old = x[i];
                x[i] = old + Eps;
                double plus = ReferenceLoss(p, u, w, g, beta, o);
                x[i] = old - Eps;
                double minus = ReferenceLoss(p, u, w, g, beta, o);
                x[i] = old;
                grad[i] = (plus - minus) / (2 * Eps);
            }
            return grad;
        }

        var checks = new List<(string Param, float[] Fused, double[] Numeric)>
        {
            ("u", fused.DU, FiniteDifference(u)),
            ("w", fused.DW, FiniteDifference(w)),
        };
        if (ln)
        {
            checks.Add(("g", fused.DGain, FiniteDifference(g)));
            checks.Add(("β", fused.DBias, FiniteDifference(beta)));
        }
        foreach (var (param, analytic, numeric) in checks)
        {
            Assert.True(numeric.Any(v => Math.Abs(v) > 1e-3), $"{name}: d{param} is degenerate");
            double err = RelativeRms(analytic, numeric);
            Assert.True(err < 1e-3, $"{name}: d{param} relative RMS error {err}");
        }
    }

    [Theory]
    [InlineData(FastWeightsForm.Explicit, true)]
    [InlineData(FastWeightsForm.Efficient, true)]
    [InlineData(FastWeightsForm.Efficient, false)]
    public void OneAndTwoThreads_GiveBitIdenticalOutputsAndGradients(FastWeightsForm form, bool fast)
    {
        var p = MakeProblem(3, 37, 5, 6);
        var o = new FastWeightRnnOptions { InnerSteps = 2, UseFastWeights = fast, Form = form };
        var one = RunFused(p, o, maxThreads: 1);
        var two = RunFused(p, o, maxThreads: 2);
        Assert.Equal(one.H, two.H);
        Assert.Equal(one.DU, two.DU);
        Assert.Equal(one.DW, two.DW);
        Assert.Equal(one.DGain, two.DGain);
        Assert.Equal(one.DBias, two.DBias);
    }

    [Theory]
    [InlineData(FastWeightsForm.Efficient, true, true)]
    [InlineData(FastWeightsForm.Efficient, true, false)]
    [InlineData(FastWeightsForm.Auto, false, true)]
    [InlineData(FastWeightsForm.Explicit, true, true)]
    public void LockstepChunks_MatchEachExampleRunAlone(FastWeightsForm form, bool fast, bool ln)
    {
        // 2·ChunkSize + 5 examples: two full lockstep chunks and a short last one; each example alone is a
        // chunk of one (its products take the single-row path), so a mixed-up row or stride would show here.
        int b = (2 * FastWeightRnnKernel.ChunkSize) + 5, t = 6, r = 9;
        var p = MakeProblem(21, b, t, r, ln ? 1f : 0.3f);
        var o = new FastWeightRnnOptions { InnerSteps = 2, UseFastWeights = fast, UseLayerNorm = ln, Eta = ln ? 0.5f : 0.05f, Form = form };
        var batched = RunFused(p, o);
        var dW = new double[r * r];
        int n = t * r;
        for (int e = 0; e < b; e++)
        {
            var single = p with
            {
                B = 1,
                U = p.U.AsSpan(e * n, n).ToArray(),
                LossWeights = p.LossWeights.AsSpan(e * n, n).ToArray(),
            };
            var alone = RunFused(single, o);
            Assert.True(RelativeRms(batched.H.AsSpan(e * n, n).ToArray(), alone.H) < 1e-6, $"H of example {e}");
            Assert.True(RelativeRms(batched.DU.AsSpan(e * n, n).ToArray(), alone.DU) < 1e-5, $"dU of example {e}");
            for (int i = 0; i < dW.Length; i++)
            {
                dW[i] += alone.DW[i];
            }
        }
        Assert.True(batched.H.Any(v => v > 0), "degenerate test: all hidden units are off");
        Assert.True(RelativeRms(batched.DW, dW) < 1e-5, "dW differs from the sum over single examples");
    }

    [Fact]
    public void Backward_AccumulatesIntoExistingGradients()
    {
        var p = MakeProblem(5, 3, 4, 5);
        var o = new FastWeightRnnOptions();
        var once = RunFused(p, o);
        var u = Tensor.FromArray((float[])p.U.Clone(), p.B, p.T, p.R);
        var w = Tensor.FromArray((float[])p.W.Clone(), p.R, p.R);
        u.RequiresGrad = true;
        w.RequiresGrad = true;
        for (int k = 0; k < 2; k++)
        {
            var h = FastWeightRnnOp.Forward(u, w, Tensor.FromArray(p.Gain, p.R), Tensor.FromArray(p.Bias, p.R), o);
            Tape.Backward(WeightedSum(h, p.LossWeights));
        }
        Assert.True(RelativeRms(u.Grad!.ToArray(), once.DU.Select(v => 2 * v).ToArray()) < 1e-6);
        Assert.True(RelativeRms(w.Grad!.ToArray(), once.DW.Select(v => 2 * v).ToArray()) < 1e-6);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    public void EmptyAndSingleStepSequences_Work(int b, int t)
    {
        var p = MakeProblem(13, b, t, 4);
        var fused = RunFused(p, new FastWeightRnnOptions { InnerSteps = 2 });
        var reference = Reference(p, ToDouble(p.U), ToDouble(p.W), ToDouble(p.Gain), ToDouble(p.Bias), new FastWeightRnnOptions { InnerSteps = 2 });
        Assert.Equal(b * t * 4, fused.H.Length);
        Assert.True(RelativeRms(fused.H, reference) < 1e-5);
        Assert.All(fused.DW, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Trace_FastWeightsAndAttentionMatchTheReference()
    {
        var p = MakeProblem(11, 1, 6, 5);
        var o = new FastWeightRnnOptions { InnerSteps = 2, Lambda = 0.8f, Eta = 0.6f };
        var trace = FastWeightRnnKernel.Trace(o, p.T, p.R, p.U, p.W, p.Gain, p.Bias);
        var reference = Reference(p, ToDouble(p.U), ToDouble(p.W), ToDouble(p.Gain), ToDouble(p.Bias), o);
        Assert.True(RelativeRms(trace.HiddenStates, reference) < 1e-5);
        Assert.Equal(p.T + 1, trace.FastWeights.Length);
        Assert.All(trace.FastWeights[0], v => Assert.Equal(0f, v));
        // A(t) = Σ_{τ=1..t} η λ^{t−τ} h(τ) h(τ)ᵀ from the reference states.
        for (int t = 0; t <= p.T; t++)
        {
            var expected = new double[p.R * p.R];
            for (int tau = 1; tau <= t; tau++)
            {
                double c = o.Eta * Math.Pow(o.Lambda, t - tau);
                for (int i = 0; i < p.R; i++)
                {
                    for (int j = 0; j < p.R; j++)
                    {
                        expected[(i * p.R) + j] += c * reference[((tau - 1) * p.R) + i] * reference[((tau - 1) * p.R) + j];
                    }
                }
            }
            if (t > 0)
            {
                Assert.True(RelativeRms(trace.FastWeights[t], expected) < 1e-5, $"A({t})");
            }
        }
        // Attention weights: one per stored state h(1..t); the last inner step's query is h_{S−1}.
        for (int t = 0; t < p.T; t++)
        {
            Assert.Equal(o.InnerSteps, trace.Attention[t].Length);
            Assert.Equal(t, trace.Attention[t][0].Length);
        }
        Assert.Contains(trace.Attention[^1][^1], v => v > 0f);
    }

    [Fact]
    public void Options_ValidationRejectsOutOfRangeValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions { Lambda = -0.1f }.Validate(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions { Lambda = 1.01f }.Validate(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions { Lambda = float.NaN }.Validate(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions { Eta = -1e-3f }.Validate(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions { Eta = float.PositiveInfinity }.Validate(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions { InnerSteps = 0 }.Validate(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions().Validate(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastWeightRnnOptions { Form = (FastWeightsForm)7 }.Validate(4));
        new FastWeightRnnOptions { Lambda = 0f, Eta = 0f, InnerSteps = 1 }.Validate(1);
        new FastWeightRnnOptions { Lambda = 1f }.Validate(4);

        var u = Tensor.Zeros(2, 3, 4);
        var w = Tensor.Zeros(4, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => FastWeightRnnOp.Forward(u, w, null, null, new FastWeightRnnOptions { InnerSteps = 0 }));
        Assert.Throws<ArgumentException>(() => FastWeightRnnOp.Forward(u, Tensor.Zeros(3, 4), null, null, new FastWeightRnnOptions()));
    }

    [Fact]
    public void Options_AutoPicksEfficientWhenSequenceIsShorterThanHidden()
    {
        var auto = new FastWeightRnnOptions();
        Assert.Equal(FastWeightsForm.Efficient, auto.ResolveForm(11, 50));
        Assert.Equal(FastWeightsForm.Explicit, auto.ResolveForm(50, 50));
        Assert.Equal(FastWeightsForm.Explicit, auto.ResolveForm(100, 20));
        Assert.Equal(FastWeightsForm.Explicit, (auto with { Form = FastWeightsForm.Explicit }).ResolveForm(11, 50));
    }
}
