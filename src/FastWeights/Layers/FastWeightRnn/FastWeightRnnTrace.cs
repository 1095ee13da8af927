namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// What <see cref="FastWeightRnnKernel.Trace"/> records for one sequence: the hidden states, the fast-weight
/// matrices and the attention weights of the efficient form.
/// </summary>
public sealed class FastWeightRnnTrace
{
    /// <summary>Creates a trace (used by <see cref="FastWeightRnnKernel.Trace"/>).</summary>
    /// <param name="steps">T.</param>
    /// <param name="hidden">R.</param>
    /// <param name="hiddenStates">h(1..T), T×R.</param>
    /// <param name="fastWeights">A(0..T), each R×R.</param>
    /// <param name="attention">[t][s][τ−1] = η λ^{t−τ} h(τ)ᵀ h_s for τ = 1..t.</param>
    public FastWeightRnnTrace(int steps, int hidden, float[] hiddenStates, float[][] fastWeights, float[][][] attention)
    {
        Steps = steps;
        Hidden = hidden;
        HiddenStates = hiddenStates;
        FastWeights = fastWeights;
        Attention = attention;
    }

    /// <summary>Sequence length T.</summary>
    public int Steps { get; }

    /// <summary>Hidden size R.</summary>
    public int Hidden { get; }

    /// <summary>The hidden states h(1..T), row-major T×R (row t is h(t+1), the output of step t).</summary>
    public float[] HiddenStates { get; }

    /// <summary>
    /// The fast-weight matrices A(0..T) (T+1 of them, each R×R row-major). A(t) is the memory used by the inner
    /// loop of step t (it holds h(1..t)); A(0) = 0 and A(T) is the memory after the last step.
    /// </summary>
    public float[][] FastWeights { get; }

    /// <summary>
    /// Attention weights of the efficient form: <c>Attention[t][s][τ−1]</c> = η λ^{t−τ} h(τ)ᵀ h_s for τ = 1..t, the
    /// weight of the stored state h(τ) in A(t) h_s at inner step s of step t (empty arrays without fast weights).
    /// </summary>
    public float[][][] Attention { get; }

    /// <summary>
    /// The attention of every step on the states stored before it, at the last inner step: a T×T grid whose cell
    /// [t, τ−1] is <c>Attention[t][S−1][τ−1]</c> for τ ≤ t and NaN elsewhere (NaN everywhere without fast weights).
    /// </summary>
    public double[,] LastInnerStepAttention()
    {
        var att = new double[Steps, Steps];
        for (int i = 0; i < Steps; i++)
        {
            for (int j = 0; j < Steps; j++)
            {
                att[i, j] = double.NaN;
            }
            var perInner = Attention[i];
            if (perInner.Length == 0)
            {
                continue;
            }
            var last = perInner[^1];
            for (int tau = 0; tau < last.Length; tau++)
            {
                att[i, tau] = last[tau];
            }
        }
        return att;
    }
}
