namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// Sizes and rule of one fast-weight programmer call. Every rule is a case of
/// S_t = α_t S_{t−1} + w_t k_tᵀ, o_t = S_t q_t, with w_t = v_t (linear, decay) or
/// w_t = β_t (v_t − α_t S_{t−1} k_t) (delta, gated delta), and α_t ≡ 1 when the rule has no decay
/// (see <see cref="IFastWeightRule"/>; the kernels take the rule as a type parameter, this is its runtime name).
/// </summary>
/// <param name="Batch">B.</param>
/// <param name="Heads">H.</param>
/// <param name="Steps">T.</param>
/// <param name="KeyDim">d_k.</param>
/// <param name="ValueDim">d_v.</param>
/// <param name="Rule">The update rule.</param>
internal readonly record struct FastWeightProblem(int Batch, int Heads, int Steps, int KeyDim, int ValueDim, FastWeightRule Rule)
{
    /// <summary>B·H independent (batch, head) sequences.</summary>
    public int Sequences => Batch * Heads;

    /// <summary>Elements of one state, d_v·d_k.</summary>
    public int StateSize => KeyDim * ValueDim;
}
