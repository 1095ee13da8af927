namespace FastWeights.Training.Reinforcement;

/// <summary>
/// n-step returns of whole episodes (Mnih et al. 2016): R(t) = Σ_{k&lt;m} γᵏ r(t+k) + γⁿ V(t+n) where m = min(n, T − t),
/// the bootstrap term present only when t + n &lt; T (the episode ends at T, where the value is 0). n ≥ T gives the
/// Monte-Carlo return.
/// </summary>
public static class NStepReturns
{
    /// <summary>Writes R(t) of each of <c>rewards.Length / length</c> episodes laid out [episode, t] into <paramref name="returns"/>.</summary>
    /// <param name="rewards">r(t), the reward after action t, [episodes, length].</param>
    /// <param name="values">V(t), the critic's estimate at observation t, [episodes, length] (constants here).</param>
    /// <param name="length">Steps per episode T.</param>
    /// <param name="gamma">Discount γ.</param>
    /// <param name="n">Steps before bootstrapping (at least 1).</param>
    /// <param name="returns">Receives R(t), [episodes, length].</param>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, int length, float gamma, int n, Span<float> returns)
    {
        if (length < 1 || n < 1 || rewards.Length % length != 0 || values.Length != rewards.Length || returns.Length != rewards.Length)
        {
            throw new ArgumentException("n-step returns need rewards, values and returns of whole episodes of at least one step, and n ≥ 1");
        }
        double gammaN = Math.Pow(gamma, n);
        for (int e = 0; e < rewards.Length / length; e++)
        {
            var r = rewards.Slice(e * length, length);
            var v = values.Slice(e * length, length);
            var ret = returns.Slice(e * length, length);
            for (int t = 0; t < length; t++)
            {
                int m = Math.Min(n, length - t);
                double sum = 0, discount = 1;
                for (int k = 0; k < m; k++)
                {
                    sum += discount * r[t + k];
                    discount *= gamma;
                }
                if (t + n < length)
                {
                    sum += gammaN * v[t + n];
                }
                ret[t] = (float)sum;
            }
        }
    }
}
