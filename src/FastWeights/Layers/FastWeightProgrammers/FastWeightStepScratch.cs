namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>
/// Working buffers of <see cref="FastWeightProgrammerLayer"/>'s fast step for one state, allocated with the state
/// so that stepping allocates nothing: the projections q, k [B, H·d_k] and v [B, H·d_v], their convolved copies,
/// φ(q), φ(k) [B, H, F], the gates β, α [B, H], the read-out o [B, H·d_v] (and the output gate's SiLU(W_g x)), the DPFP rectifier scratch [2·d_k] and the step's per-row updates [d_v].
/// </summary>
internal sealed class FastWeightStepScratch
{
    public FastWeightStepScratch(int batch, int heads, int keyDim, int valueDim, int featureDim, bool conv, bool gate = false)
    {
        Batch = batch;
        Q = new float[batch * heads * keyDim];
        K = new float[batch * heads * keyDim];
        V = new float[batch * heads * valueDim];
        if (conv)
        {
            QConv = new float[Q.Length];
            KConv = new float[K.Length];
            VConv = new float[V.Length];
        }
        PhiQ = new float[batch * heads * featureDim];
        PhiK = new float[batch * heads * featureDim];
        Beta = new float[batch * heads];
        Alpha = new float[batch * heads];
        O = new float[batch * heads * valueDim];
        Gate = gate ? new float[O.Length] : null;
        Rectified = new float[2 * keyDim];
        Work = new float[valueDim];
    }

    public int Batch { get; }

    public float[] Q { get; }

    public float[] K { get; }

    public float[] V { get; }

    public float[]? QConv { get; }

    public float[]? KConv { get; }

    public float[]? VConv { get; }

    public float[] PhiQ { get; }

    public float[] PhiK { get; }

    public float[] Beta { get; }

    public float[] Alpha { get; }

    public float[] O { get; }

    /// <summary>SiLU(W_g x) [B, H·d_v] of the output gate, or null.</summary>
    public float[]? Gate { get; }

    public float[] Rectified { get; }

    public float[] Work { get; }
}
