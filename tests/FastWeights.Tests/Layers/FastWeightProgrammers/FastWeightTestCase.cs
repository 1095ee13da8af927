using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Layers.FastWeightProgrammers.Ops.Decay;
using FastWeights.Layers.FastWeightProgrammers.Ops.Delta;
using FastWeights.Layers.FastWeightProgrammers.Ops.GatedDelta;
using FastWeights.Layers.FastWeightProgrammers.Ops.Linear;
using FastWeights.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

/// <summary>The four update rules, as the tests name them.</summary>
public enum TestRule
{
    Linear,
    Decay,
    Delta,
    GatedDelta,
}

/// <summary>Random inputs of one op call plus helpers to run any form and the naive reference on them.</summary>
internal sealed class FastWeightTestCase
{
    public FastWeightTestCase(TestRule rule, int batch, int heads, int steps, int dk, int dv, bool withState, ulong seed)
    {
        Rule = rule;
        var rng = new Rng(seed);
        Problem = new FastWeightProblem(batch, heads, steps, dk, dv, rule switch
        {
            TestRule.Linear => FastWeightRule.Linear,
            TestRule.Decay => FastWeightRule.Decay,
            TestRule.Delta => FastWeightRule.Delta,
            _ => FastWeightRule.GatedDelta,
        });
        Q = Tensor.RandomUniform(rng, -1f, 1f, batch, heads, steps, dk);
        K = Tensor.RandomUniform(rng, -1f, 1f, batch, heads, steps, dk);
        if (Problem.Rule.IsDelta())
        {
            // Delta rules expect L2-normalised keys (then β ∈ (0, 1) keeps I − β k kᵀ a contraction).
            var ks = K.Span;
            for (int r = 0; r < ks.Length / dk; r++)
            {
                var row = ks.Slice(r * dk, dk);
                TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
            }
        }
        V = Tensor.RandomUniform(rng, -1f, 1f, batch, heads, steps, dv);
        Alpha = Tensor.RandomUniform(rng, 0.5f, 1f, batch, heads, steps);
        Beta = Tensor.RandomUniform(rng, 0.1f, 0.9f, batch, heads, steps);
        S0 = withState ? Tensor.RandomUniform(rng, -0.5f, 0.5f, batch, heads, dv, dk) : null;
        OutputProjection = Tensor.RandomNormal(rng, 1f, batch, heads, steps, dv);
        StateProjection = Tensor.RandomNormal(rng, 1f, batch, heads, dv, dk);
    }

    public TestRule Rule { get; }

    public FastWeightProblem Problem { get; }

    public Tensor Q { get; }

    public Tensor K { get; }

    public Tensor V { get; }

    public Tensor Alpha { get; }

    public Tensor Beta { get; }

    public Tensor? S0 { get; }

    /// <summary>The loss is Σ o ⊙ P_o + Σ S_T ⊙ P_S, so ∂L/∂o = P_o and ∂L/∂S_T = P_S.</summary>
    public Tensor OutputProjection { get; }

    public Tensor StateProjection { get; }

    /// <summary>The inputs that take part in the rule, in the order q, k, v, [α], [β], [S0].</summary>
    public Tensor[] Inputs
    {
        get
        {
            var list = new List<Tensor> { Q, K, V };
            if (Problem.Rule.HasDecay())
            {
                list.Add(Alpha);
            }
            if (Problem.Rule.IsDelta())
            {
                list.Add(Beta);
            }
            if (S0 is not null)
            {
                list.Add(S0);
            }
            return [.. list];
        }
    }

    /// <summary>Runs the op (recording if inputs require grad).</summary>
    public (Tensor Output, Tensor FinalState) Run(FastWeightComputeMode mode, int chunk) => Rule switch
    {
        TestRule.Linear => LinearAttentionOp.Forward(Q, K, V, S0, mode, chunk),
        TestRule.Decay => DecayAttentionOp.Forward(Q, K, V, Alpha, S0, mode, chunk),
        TestRule.Delta => DeltaRuleOp.Forward(Q, K, V, Beta, S0, mode, chunk),
        _ => GatedDeltaRuleOp.Forward(Q, K, V, Alpha, Beta, S0, mode, chunk),
    };

    /// <summary>The scalar loss of the outputs.</summary>
    public Tensor Loss((Tensor Output, Tensor FinalState) r) =>
        Ops.Add(Ops.Sum(Ops.Mul(r.Output, OutputProjection)), Ops.Sum(Ops.Mul(r.FinalState, StateProjection)));

    /// <summary>Runs a form forward and backward: returns [o, S_T, ∂q, ∂k, ∂v, (∂α), (∂β), (∂S0)] as flat arrays.</summary>
    public float[][] ForwardBackward(FastWeightComputeMode mode, int chunk)
    {
        var inputs = Inputs;
        foreach (var t in inputs)
        {
            t.RequiresGrad = true;
            t.Grad = null;
        }
        Tape.Reset();
        var r = Run(mode, chunk);
        Tape.Backward(Loss(r));
        var results = new List<float[]> { r.Output.ToArray(), r.FinalState.ToArray() };
        results.AddRange(inputs.Select(t => t.Grad?.ToArray() ?? new float[t.Length]));
        return [.. results];
    }

    /// <summary>The naive reference's results in the order of <see cref="ForwardBackward"/>.</summary>
    public double[][] Reference()
    {
        var r = NaiveReference.Run(Problem, Q.ToArray(), K.ToArray(), V.ToArray(), Alpha.ToArray(), Beta.ToArray(), S0?.ToArray(),
            OutputProjection.ToArray(), StateProjection.ToArray());
        var results = new List<double[]> { r.Output, r.FinalState, r.QGrad!, r.KGrad!, r.VGrad! };
        if (Problem.Rule.HasDecay())
        {
            results.Add(r.AlphaGrad!);
        }
        if (Problem.Rule.IsDelta())
        {
            results.Add(r.BetaGrad!);
        }
        if (S0 is not null)
        {
            results.Add(r.InitialStateGrad!);
        }
        return [.. results];
    }

    /// <summary>‖a − b‖ / ‖b‖ (root-mean-square relative error); 0 when both are 0.</summary>
    public static double RelativeRms(float[] a, double[] b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < b.Length; i++)
        {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
    }
}
