namespace FastWeights.Layers.FastWeightProgrammers.Ops;

/// <summary>
/// How a fast-weight programmer op evaluates the sequence. All forms give the same numbers (up to float rounding).
/// </summary>
public enum FastWeightComputeMode
{
    /// <summary>One step at a time with an explicit state S (d_v × d_k per head); O(T·d_v·d_k), memory-light.</summary>
    Recurrent,

    /// <summary>
    /// The masked attention-matrix form O = (M ⊙ Q Kᵀ) V (+ the initial state's contribution), O(T²) per head.
    /// Exists for the linear and decay rules only.
    /// </summary>
    Parallel,

    /// <summary>
    /// Chunks of C tokens: matrix products inside a chunk, the state carried between chunks
    /// (WY representation / UT transform for the delta rules, Yang et al. 2024).
    /// </summary>
    Chunkwise,
}
