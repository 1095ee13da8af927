using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// The advantage actor-critic loss (Mnih et al. 2016) over N rows of policy logits [..., A] and values [..., 1]:
    /// L = (1/N) Σ_i [ −Â_i log π(a_i | s_i) + c_v · ½ (R_i − V_i)² − β · H(π(· | s_i)) ], with the advantage
    /// Â_i = R_i − V_i held constant in the policy term (its gradient reaches the critic only through the value term),
    /// the returns R_i constants, and H(p) = −Σ_j p_j log p_j the policy's entropy (the exploration bonus).
    /// Gradients: ∂L/∂z_ij = (1/N) [ −Â_i (1[j = a_i] − p_ij) + β p_ij (log p_ij + H_i) ] and ∂L/∂V_i = (1/N) c_v (V_i − R_i).
    /// </summary>
    /// <param name="logits">Policy logits, N rows of A.</param>
    /// <param name="values">Value estimates V_i, N values.</param>
    /// <param name="actions">The action a_i taken in each row.</param>
    /// <param name="returns">The return R_i each row's value is trained towards (for example an n-step return).</param>
    /// <param name="valueWeight">Weight c_v of the critic's squared error.</param>
    /// <param name="entropyWeight">Weight β of the entropy bonus.</param>
    public static Tensor ActorCriticLoss(Tensor logits, Tensor values, ReadOnlySpan<int> actions, ReadOnlySpan<float> returns, float valueWeight, float entropyWeight)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(values);
        int a = logits.Dim(-1);
        int rows = a == 0 ? 0 : logits.Length / a;
        if (rows == 0 || values.Length != rows || actions.Length != rows || returns.Length != rows)
        {
            throw new ArgumentException($"ActorCriticLoss needs one value, action and return per row of logits: {rows} rows, {values.Length} values, {actions.Length} actions, {returns.Length} returns.");
        }
        var acts = TensorArena.Copy(actions);
        var rets = TensorArena.Allocate(rows);
        returns.CopyTo(rets);
        var logp = TensorArena.Allocate(logits.Length);
        var entropy = TensorArena.Allocate(rows);
        var z = logits.Span;
        var v = values.Span;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            if ((uint)acts[r] >= (uint)a)
            {
                throw new ArgumentOutOfRangeException(nameof(actions), $"Action {acts[r]} is outside the {a} actions.");
            }
            var lp = logp.AsSpan(r * a, a);
            LogSoftmaxRow(z.Slice(r * a, a), lp);
            float h = 0;
            for (int j = 0; j < a; j++)
            {
                h -= MathF.Exp(lp[j]) * lp[j];
            }
            entropy[r] = h;
            float advantage = rets[r] - v[r];
            total += (-advantage * lp[acts[r]]) + (valueWeight * 0.5f * advantage * advantage) - (entropyWeight * h);
        }
        var loss = Tensor.Scalar((float)(total / rows));
        if (Tape.ShouldRecord(logits, values))
        {
            Tape.Record(loss, () =>
            {
                if (loss.Grad is not { } g)
                {
                    return;
                }
                float scale = g.Span[0] / rows;
                var values2 = values.Span;
                if (logits.RequiresGrad)
                {
                    var gz = logits.EnsureGrad().Span;
                    for (int r = 0; r < rows; r++)
                    {
                        float advantage = rets[r] - values2[r];
                        for (int j = 0; j < a; j++)
                        {
                            float lpj = logp[(r * a) + j];
                            float p = MathF.Exp(lpj);
                            float policy = -advantage * ((j == acts[r] ? 1f : 0f) - p);
                            float bonus = entropyWeight * p * (lpj + entropy[r]);
                            gz[(r * a) + j] += scale * (policy + bonus);
                        }
                    }
                }
                if (values.RequiresGrad)
                {
                    var gv = values.EnsureGrad().Span;
                    for (int r = 0; r < rows; r++)
                    {
                        gv[r] += scale * valueWeight * (values2[r] - rets[r]);
                    }
                }
            });
        }
        return loss;
    }
}
