using FastWeights.Kernels;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Tensors;
using FastWeights.Tests.Autodiff;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

public class FastWeightOpsTests
{
    private static readonly string[] Names = ["o", "S_T", "dq", "dk", "dv", "dα/dβ/dS0", "dβ/dS0", "dS0"];

    /// <summary>Every form (recurrent, chunkwise for several C, parallel where it exists) matches the float64 naive reference.</summary>
    [Theory]
    [InlineData(TestRule.Linear)]
    [InlineData(TestRule.Decay)]
    [InlineData(TestRule.Delta)]
    [InlineData(TestRule.GatedDelta)]
    public void AllFormsMatchNaiveReference(TestRule rule)
    {
        ulong seed = 100;
        int cases = 0;
        foreach (var (batch, heads) in new[] { (1, 1), (1, 2), (2, 1), (2, 2) })
        {
            foreach (int steps in new[] { 1, 7, 16, 33 })
            {
                foreach (var (dk, dv) in new[] { (4, 6), (8, 8) })
                {
                    foreach (bool withState in new[] { false, true })
                    {
                        var tc = new FastWeightTestCase(rule, batch, heads, steps, dk, dv, withState, seed++);
                        var reference = tc.Reference();
                        var forms = new List<(string, FastWeightComputeMode, int)> { ("recurrent", FastWeightComputeMode.Recurrent, 0) };
                        forms.AddRange(new[] { 4, 8, 16 }.Select(c => ($"chunkwise C={c}", FastWeightComputeMode.Chunkwise, c)));
                        if (!tc.Problem.Rule.IsDelta())
                        {
                            forms.Add(("parallel", FastWeightComputeMode.Parallel, 0));
                        }
                        foreach (var (name, mode, chunk) in forms)
                        {
                            var got = tc.ForwardBackward(mode, chunk);
                            Assert.Equal(reference.Length, got.Length);
                            for (int i = 0; i < got.Length; i++)
                            {
                                double err = FastWeightTestCase.RelativeRms(got[i], reference[i]);
                                Assert.True(err < 1e-4,
                                    $"{rule} {name} B={batch} H={heads} T={steps} dk={dk} dv={dv} S0={withState}: {Names[i]} (#{i}) relative RMS error {err:G3}");
                            }
                            cases++;
                        }
                    }
                }
            }
        }
        Assert.True(cases >= 4 * 4 * 2 * 2 * 4);
    }

    /// <summary>The naive reference's hand-derived backward agrees with double-precision central differences.</summary>
    [Theory]
    [InlineData(TestRule.Linear)]
    [InlineData(TestRule.Decay)]
    [InlineData(TestRule.Delta)]
    [InlineData(TestRule.GatedDelta)]
    public void NaiveBackwardMatchesFiniteDifferences(TestRule rule)
    {
        var tc = new FastWeightTestCase(rule, 1, 2, 5, 3, 2, withState: true, seed: 7);
        var analytic = tc.Reference();
        var inputs = tc.Inputs;
        double Loss()
        {
            var r = NaiveReference.Run(tc.Problem, tc.Q.ToArray(), tc.K.ToArray(), tc.V.ToArray(), tc.Alpha.ToArray(), tc.Beta.ToArray(),
                tc.S0?.ToArray(), null, null);
            double l = 0;
            var po = tc.OutputProjection.Span;
            var ps = tc.StateProjection.Span;
            for (int i = 0; i < r.Output.Length; i++)
            {
                l += r.Output[i] * po[i];
            }
            for (int i = 0; i < r.FinalState.Length; i++)
            {
                l += r.FinalState[i] * ps[i];
            }
            return l;
        }
        for (int which = 0; which < inputs.Length; which++)
        {
            var x = inputs[which];
            for (int i = 0; i < x.Length; i++)
            {
                // Inputs are float; a step of 1e-2 (exact in float after rounding the sum) and the central difference in
                // double leave an O(h²) error that is small for these polynomial (in q, k, v, β, S0) and smooth (α) losses.
                float orig = x.Span[i];
                const float h = 1e-2f;
                x.Span[i] = orig + h;
                double plus = Loss();
                x.Span[i] = orig - h;
                double minus = Loss();
                x.Span[i] = orig;
                double numeric = (plus - minus) / ((double)(orig + h) - (orig - h));
                double a = analytic[2 + which][i];
                Assert.True(Math.Abs(a - numeric) <= 2e-3 + (2e-3 * Math.Abs(numeric)), $"{rule} input {which} element {i}: analytic {a:G6}, numeric {numeric:G6}");
            }
        }
    }

    /// <summary>The recurrent and chunkwise tape ops pass a float32 finite-difference gradient check on tiny sizes.</summary>
    [Theory]
    [InlineData(TestRule.Linear, FastWeightComputeMode.Recurrent)]
    [InlineData(TestRule.Decay, FastWeightComputeMode.Recurrent)]
    [InlineData(TestRule.Delta, FastWeightComputeMode.Recurrent)]
    [InlineData(TestRule.GatedDelta, FastWeightComputeMode.Recurrent)]
    [InlineData(TestRule.GatedDelta, FastWeightComputeMode.Chunkwise)]
    public void TapeOpPassesGradientCheck(TestRule rule, FastWeightComputeMode mode)
    {
        var tc = new FastWeightTestCase(rule, 1, 2, 5, 3, 2, withState: true, seed: 11);
        GradCheck.Check(
            () =>
            {
                var r = tc.Run(mode, 2);
                return FastWeights.Autodiff.Ops.Concat([FastWeights.Autodiff.Ops.Reshape(r.Output, -1), FastWeights.Autodiff.Ops.Reshape(r.FinalState, -1)], 0);
            },
            tc.Inputs);
    }

    /// <summary>Results are bit-identical whatever the number of threads.</summary>
    [Theory]
    [InlineData(TestRule.Delta, FastWeightComputeMode.Chunkwise)]
    [InlineData(TestRule.GatedDelta, FastWeightComputeMode.Recurrent)]
    [InlineData(TestRule.Decay, FastWeightComputeMode.Parallel)]
    public void DeterministicAcrossThreadCounts(TestRule rule, FastWeightComputeMode mode)
    {
        var tc = new FastWeightTestCase(rule, 2, 3, 37, 8, 8, withState: true, seed: 5);
        int before = KernelThreads.MaxThreads;
        try
        {
            KernelThreads.MaxThreads = 1;
            var one = tc.ForwardBackward(mode, 8);
            KernelThreads.MaxThreads = 4;
            var four = tc.ForwardBackward(mode, 8);
            for (int i = 0; i < one.Length; i++)
            {
                Assert.Equal(one[i], four[i]);
            }
        }
        finally
        {
            KernelThreads.MaxThreads = before;
        }
    }

    /// <summary>The streaming step API reproduces the whole-sequence op token by token.</summary>
    [Theory]
    [InlineData(TestRule.Linear)]
    [InlineData(TestRule.Decay)]
    [InlineData(TestRule.Delta)]
    [InlineData(TestRule.GatedDelta)]
    public void StreamingStepsMatchWholeSequence(TestRule rule)
    {
        int b = 2, h = 2, steps = 9, dk = 4, dv = 3;
        var tc = new FastWeightTestCase(rule, b, h, steps, dk, dv, withState: true, seed: 21);
        var (output, finalState) = tc.Run(FastWeightComputeMode.Chunkwise, 4);
        var state = tc.S0!.Clone();
        for (int t = 0; t < steps; t++)
        {
            Tensor Token(Tensor x, int width)
            {
                var r = Tensor.Zeros(width == 0 ? [b, h] : [b, h, width]);
                int w = Math.Max(1, width);
                for (int s = 0; s < b * h; s++)
                {
                    x.Span.Slice(((s * steps) + t) * w, w).CopyTo(r.Span.Slice(s * w, w));
                }
                return r;
            }
            var (q, k, v, a, be) = (Token(tc.Q, dk), Token(tc.K, dk), Token(tc.V, dv), Token(tc.Alpha, 0), Token(tc.Beta, 0));
            var o = rule switch
            {
                TestRule.Linear => FastWeights.Layers.FastWeightProgrammers.Ops.Linear.LinearAttentionOp.Step(state, q, k, v),
                TestRule.Decay => FastWeights.Layers.FastWeightProgrammers.Ops.Decay.DecayAttentionOp.Step(state, q, k, v, a),
                TestRule.Delta => FastWeights.Layers.FastWeightProgrammers.Ops.Delta.DeltaRuleOp.Step(state, q, k, v, be),
                _ => FastWeights.Layers.FastWeightProgrammers.Ops.GatedDelta.GatedDeltaRuleOp.Step(state, q, k, v, a, be),
            };
            for (int s = 0; s < b * h; s++)
            {
                for (int r = 0; r < dv; r++)
                {
                    Assert.Equal(output.Span[(((s * steps) + t) * dv) + r], o.Span[(s * dv) + r], 1e-4f);
                }
            }
        }
        for (int i = 0; i < state.Length; i++)
        {
            Assert.Equal(finalState.Span[i], state.Span[i], 1e-4f);
        }
    }

    /// <summary>Chunks longer than the inversion block (16) use the blocked (I + A)⁻¹; ragged last chunks included.</summary>
    [Theory]
    [InlineData(TestRule.Delta, 37)]
    [InlineData(TestRule.GatedDelta, 64)]
    [InlineData(TestRule.Decay, 40)]
    public void LongChunksMatchNaiveReference(TestRule rule, int chunk) =>
        ChunkwiseMatchesNaiveReference(new FastWeightTestCase(rule, 1, 2, 100, 8, 5, withState: true, seed: 9), rule, chunk);

    /// <summary>Dimensions that are multiples of 16 take the tiled triangular products of <see cref="ChunkProducts"/>.</summary>
    [Theory]
    [InlineData(TestRule.Linear, 32)]
    [InlineData(TestRule.Decay, 16)]
    [InlineData(TestRule.Delta, 16)]
    [InlineData(TestRule.Delta, 64)]
    [InlineData(TestRule.GatedDelta, 32)]
    [InlineData(TestRule.GatedDelta, 64)]
    public void TiledChunkProductsMatchNaiveReference(TestRule rule, int chunk) =>
        ChunkwiseMatchesNaiveReference(new FastWeightTestCase(rule, 1, 2, 150, 16, 32, withState: true, seed: 11), rule, chunk);

    // The chunkwise form with chunks of `chunk` tokens against the naive reference: every output and gradient.
    private static void ChunkwiseMatchesNaiveReference(FastWeightTestCase tc, TestRule rule, int chunk)
    {
        var reference = tc.Reference();
        var got = tc.ForwardBackward(FastWeightComputeMode.Chunkwise, chunk);
        for (int i = 0; i < got.Length; i++)
        {
            double err = FastWeightTestCase.RelativeRms(got[i], reference[i]);
            Assert.True(err < 1e-4, $"{rule} C={chunk}: {Names[i]} (#{i}) relative RMS error {err:G3}");
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(45)]
    public void InvertUnitLowerGivesTheInverse(int n)
    {
        var rng = new Rng((ulong)n);
        var a = new float[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int l = 0; l < i; l++)
            {
                a[(i * n) + l] = (rng.NextFloat() - 0.5f) * 0.5f;
            }
        }
        var inv = new float[n * n];
        ChunkwiseKernel.InvertUnitLower(a, inv, n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                // ((I + A) N⁻¹)_ij = N⁻¹_ij + Σ_l A_il N⁻¹_lj
                double x = inv[(i * n) + j];
                for (int l = 0; l < n; l++)
                {
                    x += a[(i * n) + l] * (double)inv[(l * n) + j];
                }
                Assert.Equal(i == j ? 1.0 : 0.0, x, 1e-5);
            }
        }
    }

    [Fact]
    public void ParallelFormIsRejectedForDeltaRules()
    {
        var tc = new FastWeightTestCase(TestRule.Delta, 1, 1, 4, 2, 2, withState: false, seed: 1);
        Assert.Throws<ArgumentException>(() => tc.Run(FastWeightComputeMode.Parallel, 0));
    }

    [Fact]
    public void OnlyFinalStateInLossStillGivesGradients()
    {
        var tc = new FastWeightTestCase(TestRule.GatedDelta, 1, 1, 6, 3, 3, withState: true, seed: 3);
        foreach (var t in tc.Inputs)
        {
            t.RequiresGrad = true;
            t.Grad = null;
        }
        var (_, finalState) = tc.Run(FastWeightComputeMode.Chunkwise, 4);
        FastWeights.Autodiff.Tape.Backward(FastWeights.Autodiff.Ops.Sum(FastWeights.Autodiff.Ops.Mul(finalState, tc.StateProjection)));
        var r = NaiveReference.Run(tc.Problem, tc.Q.ToArray(), tc.K.ToArray(), tc.V.ToArray(), tc.Alpha.ToArray(), tc.Beta.ToArray(),
            tc.S0!.ToArray(), null, tc.StateProjection.ToArray());
        Assert.True(FastWeightTestCase.RelativeRms(tc.K.Grad!.ToArray(), r.KGrad!) < 1e-4);
        Assert.True(FastWeightTestCase.RelativeRms(tc.Alpha.Grad!.ToArray(), r.AlphaGrad!) < 1e-4);
        Assert.Equal(0f, TensorPrimitives.MaxMagnitude(tc.Q.Grad?.ToArray() ?? new float[1]));
    }
}
