namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// The obviously-right reference for every rule: double precision, one step at a time, every state S_0..S_T kept,
/// each update written literally from its definition, and its backward pass derived step by step from that literal form:
/// <code>
/// linear/decay:        S_t = α_t S_{t−1} + v_t k_tᵀ
/// delta/gated delta:   S_t = α_t S_{t−1} (I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ        (α_t ≡ 1 for delta)
/// o_t = S_t q_t
/// </code>
/// Slow (it materialises all states); for tests and for checking the fast forms.
/// </summary>
internal static class NaiveReference
{
    /// <summary>Outputs and gradients of one reference run (gradients are null when no output gradient was given).</summary>
    internal sealed class Result
    {
        public double[] Output = [], FinalState = [];
        public double[]? QGrad, KGrad, VGrad, AlphaGrad, BetaGrad, InitialStateGrad;
    }

    /// <summary>
    /// Runs the reference; with <paramref name="outputGrad"/> or <paramref name="finalStateGrad"/> also the backward pass.
    /// Arrays are flat in the op layout (see <see cref="FastWeightBuffers"/>); α, β, S0 may be null when absent.
    /// </summary>
    public static Result Run(FastWeightProblem p, float[] q, float[] k, float[] v, float[]? alpha, float[]? beta, float[]? s0,
        float[]? outputGrad, float[]? finalStateGrad) => p.Rule switch
        {
            FastWeightRule.Linear => Run<SumRule>(p, q, k, v, alpha, beta, s0, outputGrad, finalStateGrad),
            FastWeightRule.Decay => Run<DecayedSumRule>(p, q, k, v, alpha, beta, s0, outputGrad, finalStateGrad),
            FastWeightRule.Delta => Run<DeltaRule>(p, q, k, v, alpha, beta, s0, outputGrad, finalStateGrad),
            FastWeightRule.GatedDelta => Run<GatedDeltaRule>(p, q, k, v, alpha, beta, s0, outputGrad, finalStateGrad),
            _ => throw new ArgumentOutOfRangeException(nameof(p)),
        };

    private static Result Run<TRule>(FastWeightProblem p, float[] q, float[] k, float[] v, float[]? alpha, float[]? beta, float[]? s0,
        float[]? outputGrad, float[]? finalStateGrad)
        where TRule : struct, IFastWeightRule
    {
        int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim, size = p.StateSize;
        bool backward = outputGrad is not null || finalStateGrad is not null;
        var res = new Result
        {
            Output = new double[p.Sequences * T * dv],
            FinalState = new double[p.Sequences * size],
        };
        if (backward)
        {
            res.QGrad = new double[q.Length];
            res.KGrad = new double[k.Length];
            res.VGrad = new double[v.Length];
            res.AlphaGrad = new double[p.Sequences * T];
            res.BetaGrad = new double[p.Sequences * T];
            res.InitialStateGrad = new double[p.Sequences * size];
        }
        for (int s = 0; s < p.Sequences; s++)
        {
            // S[t] is the d_v × d_k state after t steps.
            var S = new double[T + 1][];
            S[0] = new double[size];
            if (s0 is not null)
            {
                for (int i = 0; i < size; i++)
                {
                    S[0][i] = s0[(s * size) + i];
                }
            }
            double Q(int t, int c) => q[(((s * T) + t) * dk) + c];
            double K(int t, int c) => k[(((s * T) + t) * dk) + c];
            double V(int t, int r) => v[(((s * T) + t) * dv) + r];
            double A(int t) => TRule.HasDecay ? alpha![(s * T) + t] : 1.0;
            double B(int t) => TRule.IsDelta ? beta![(s * T) + t] : 1.0;
            for (int t = 0; t < T; t++)
            {
                var prev = S[t];
                var cur = S[t + 1] = new double[size];
                for (int r = 0; r < dv; r++)
                {
                    for (int c = 0; c < dk; c++)
                    {
                        double x = prev[(r * dk) + c];
                        if (TRule.IsDelta)
                        {
                            // [S (I − β k kᵀ)]_rc = S_rc − β Σ_m S_rm k_m k_c
                            double sk = 0;
                            for (int m = 0; m < dk; m++)
                            {
                                sk += prev[(r * dk) + m] * K(t, m);
                            }
                            x -= B(t) * sk * K(t, c);
                        }
                        cur[(r * dk) + c] = (A(t) * x) + (B(t) * V(t, r) * K(t, c));
                    }
                }
                for (int r = 0; r < dv; r++)
                {
                    double o = 0;
                    for (int c = 0; c < dk; c++)
                    {
                        o += cur[(r * dk) + c] * Q(t, c);
                    }
                    res.Output[(((s * T) + t) * dv) + r] = o;
                }
            }
            Array.Copy(S[T], 0, res.FinalState, s * size, size);
            if (!backward)
            {
                continue;
            }

            var G = new double[size];
            if (finalStateGrad is not null)
            {
                for (int i = 0; i < size; i++)
                {
                    G[i] = finalStateGrad[(s * size) + i];
                }
            }
            for (int t = T - 1; t >= 0; t--)
            {
                var prev = S[t];
                var cur = S[t + 1];
                // o_t = S_t q_t
                if (outputGrad is not null)
                {
                    for (int r = 0; r < dv; r++)
                    {
                        double g = outputGrad[(((s * T) + t) * dv) + r];
                        for (int c = 0; c < dk; c++)
                        {
                            G[(r * dk) + c] += g * Q(t, c);
                            res.QGrad![(((s * T) + t) * dk) + c] += g * cur[(r * dk) + c];
                        }
                    }
                }
                double a = A(t), b = B(t);
                // S_t = a X + b v kᵀ, with X = S_{t−1} (linear/decay) or X = S_{t−1} (I − b k kᵀ) (delta rules)
                var X = new double[size];
                var Sk = new double[dv];
                for (int r = 0; r < dv; r++)
                {
                    for (int m = 0; m < dk; m++)
                    {
                        Sk[r] += prev[(r * dk) + m] * K(t, m);
                    }
                    for (int c = 0; c < dk; c++)
                    {
                        X[(r * dk) + c] = prev[(r * dk) + c] - (TRule.IsDelta ? b * Sk[r] * K(t, c) : 0);
                    }
                }
                double dA = 0, dB = 0;
                var dX = new double[size];
                for (int r = 0; r < dv; r++)
                {
                    for (int c = 0; c < dk; c++)
                    {
                        double g = G[(r * dk) + c];
                        dA += g * X[(r * dk) + c];
                        dX[(r * dk) + c] = a * g;
                        if (TRule.IsDelta)
                        {
                            dB += g * V(t, r) * K(t, c);
                        }
                        res.VGrad![(((s * T) + t) * dv) + r] += b * g * K(t, c);
                        res.KGrad![(((s * T) + t) * dk) + c] += b * g * V(t, r);
                    }
                }
                var newG = new double[size];
                if (TRule.IsDelta)
                {
                    // X = S − b (S k) kᵀ:  ∂S = ∂X − b (∂X k) kᵀ;  ∂b −= (∂X k)·(S k);  ∂k −= b (Sᵀ (∂X k) + ∂Xᵀ (S k))
                    var dXk = new double[dv];
                    for (int r = 0; r < dv; r++)
                    {
                        for (int m = 0; m < dk; m++)
                        {
                            dXk[r] += dX[(r * dk) + m] * K(t, m);
                        }
                        dB -= dXk[r] * Sk[r];
                    }
                    for (int r = 0; r < dv; r++)
                    {
                        for (int c = 0; c < dk; c++)
                        {
                            newG[(r * dk) + c] = dX[(r * dk) + c] - (b * dXk[r] * K(t, c));
                            res.KGrad![(((s * T) + t) * dk) + c] -= b * ((prev[(r * dk) + c] * dXk[r]) + (dX[(r * dk) + c] * Sk[r]));
                        }
                    }
                }
                else
                {
                    Array.Copy(dX, newG, size);
                }
                G = newG;
                if (TRule.HasDecay)
                {
                    res.AlphaGrad![(s * T) + t] += dA;
                }
                if (TRule.IsDelta)
                {
                    res.BetaGrad![(s * T) + t] += dB;
                }
            }
            for (int i = 0; i < size; i++)
            {
                res.InitialStateGrad![(s * size) + i] += G[i];
            }
        }
        return res;
    }
}
