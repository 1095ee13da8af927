using FastWeights.Kernels;

namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// Buffers of the fused fast-weights RNN kernel (llm.c style): what <see cref="FastWeightRnnKernel.Forward"/>
/// saves for <see cref="FastWeightRnnKernel.Backward"/> (pre-activations, inner-loop states h_s, layer-norm
/// outputs and 1/σ), per-chunk partial gradients, and per-worker scratch. Buffers grow on demand and are reused
/// by later calls, so steady-state training allocates nothing here. One workspace serves one forward/backward
/// pair at a time.
/// </summary>
public sealed class FastWeightRnnWorkspace
{
    private readonly WorkspacePool<Scratch> scratchPool = new();

    /// <summary>Creates an empty workspace; buffers are sized by the first forward pass.</summary>
    public FastWeightRnnWorkspace()
    {
    }

    internal int Batch { get; private set; }

    internal int Steps { get; private set; }

    internal int Hidden { get; private set; }

    /// <summary>Inner steps actually run per time step: S with fast weights, else 1.</summary>
    internal int InnerSteps { get; private set; }

    internal bool UseFastWeights { get; private set; }

    internal bool UseLayerNorm { get; private set; }

    internal bool Explicit { get; private set; }

    internal float Lambda { get; private set; }

    internal float Eta { get; private set; }

    /// <summary>True after a forward pass filled the saved buffers.</summary>
    internal bool HasForward { get; set; }

    /// <summary>a = W h(t) + U(t) for every (b, t): B·T·R.</summary>
    internal float[] PreActivation { get; private set; } = [];

    /// <summary>Inner-loop inputs h_s, s = 0..S−1, for every (b, t): B·T·S·R (fast weights only; h_S is the output).</summary>
    internal float[] InnerStates { get; private set; } = [];

    /// <summary>Layer-norm outputs n_s for every (b, t, s): B·T·S·R (layer norm only).</summary>
    internal float[] Normalized { get; private set; } = [];

    /// <summary>1/sqrt(var + eps) for every (b, t, s): B·T·S (layer norm only).</summary>
    internal float[] InverseStd { get; private set; } = [];

    /// <summary>λ^k for k = 0..T.</summary>
    internal float[] DecayPowers { get; private set; } = [];

    /// <summary>η λ^{T−1−k} for k = 0..T−1: the attention coefficients η λ^{t−1−j} (j &lt; t) of step t are elements T−t.. of it.</summary>
    internal float[] AttentionCoefficients { get; private set; } = [];

    /// <summary>Lockstep chunks: the slow weights packed as the right factor of their per-step products (Wᵀ forward, W backward).</summary>
    internal float[] PackedWeights { get; private set; } = [];

    /// <summary>Per-chunk partial dW (R·R each).</summary>
    internal float[] PartialWeightGrad { get; private set; } = [];

    /// <summary>Per-chunk partial dg (R each).</summary>
    internal float[] PartialGainGrad { get; private set; } = [];

    /// <summary>Per-chunk partial dβ (R each).</summary>
    internal float[] PartialBiasGrad { get; private set; } = [];

    /// <summary>Sets the configuration of the next forward pass and grows the buffers if needed.</summary>
    internal void Prepare(int batch, int steps, int hidden, FastWeightRnnOptions options, int chunkCount)
    {
        Batch = batch;
        Steps = steps;
        Hidden = hidden;
        UseFastWeights = options.UseFastWeights;
        UseLayerNorm = options.UseLayerNorm;
        InnerSteps = UseFastWeights ? options.InnerSteps : 1;
        Explicit = UseFastWeights && options.ResolveForm(steps, hidden) == FastWeightsForm.Explicit;
        Lambda = options.Lambda;
        Eta = options.Eta;
        HasForward = false;

        long rows = (long)batch * steps;
        PreActivation = WorkspaceBuffer.Grow(PreActivation, rows * hidden);
        if (UseFastWeights)
        {
            InnerStates = WorkspaceBuffer.Grow(InnerStates, rows * InnerSteps * hidden);
        }
        if (UseLayerNorm)
        {
            Normalized = WorkspaceBuffer.Grow(Normalized, rows * InnerSteps * hidden);
            InverseStd = WorkspaceBuffer.Grow(InverseStd, rows * InnerSteps);
        }
        DecayPowers = WorkspaceBuffer.Grow(DecayPowers, steps + 1);
        double power = 1.0;
        for (int k = 0; k <= steps; k++)
        {
            DecayPowers[k] = (float)power;
            power *= Lambda;
        }
        AttentionCoefficients = WorkspaceBuffer.Grow(AttentionCoefficients, steps);
        for (int k = 0; k < steps; k++)
        {
            AttentionCoefficients[k] = Eta * DecayPowers[steps - 1 - k];
        }
        PackedWeights = WorkspaceBuffer.Grow(PackedWeights, PackedPanelProduct.PackedLength(hidden, hidden));
        PartialWeightGrad = WorkspaceBuffer.Grow(PartialWeightGrad, (long)chunkCount * hidden * hidden);
        PartialGainGrad = WorkspaceBuffer.Grow(PartialGainGrad, (long)chunkCount * hidden);
        PartialBiasGrad = WorkspaceBuffer.Grow(PartialBiasGrad, (long)chunkCount * hidden);
    }

    /// <summary>Takes a scratch block sized for the current configuration (reused across calls).</summary>
    internal Scratch RentScratch()
    {
        while (scratchPool.TryRent(out var scratch))
        {
            if (scratch.Fits(Steps, Hidden, Explicit))
            {
                return scratch;
            }
        }
        return new Scratch(Steps, Hidden, Explicit);
    }

    /// <summary>Gives a scratch block back.</summary>
    internal void ReturnScratch(Scratch scratch) => scratchPool.Return(scratch);

    /// <summary>Per-worker scratch: vectors of length R, the lockstep chunk's gradient rows and memory gradients, and the explicit-form matrices.</summary>
    internal sealed class Scratch
    {
        public Scratch(int steps, int hidden, bool explicitForm)
        {
            Steps = steps;
            Hidden = hidden;
            int chunk = FastWeightRnnKernel.ChunkSize;
            Vectors = new float[VectorCount * hidden];
            RowGrad = new float[chunk * steps * hidden];
            if (!explicitForm)
            {
                Recurrent = new float[chunk * hidden];
                MemoryGrad = new float[chunk * steps * hidden];
            }
            if (explicitForm)
            {
                SegmentLength = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(steps)));
                int checkpoints = (steps + SegmentLength - 1) / SegmentLength;
                FastWeights = new float[hidden * hidden];
                FastWeightsGrad = new float[hidden * hidden];
                Checkpoints = new float[checkpoints * hidden * hidden];
                Segment = new float[SegmentLength * hidden * hidden];
            }
        }

        /// <summary>Number of length-R vectors in <see cref="Vectors"/>.</summary>
        public const int VectorCount = 6;

        public int Steps { get; }

        public int Hidden { get; }

        /// <summary>Length-R work vectors (dz, dh, dprev, da, dhRec, temp).</summary>
        public float[] Vectors { get; }

        /// <summary>Lockstep backward: Wᵀ da(t+1) of every example of the chunk, one row of R each.</summary>
        public float[] Recurrent { get; } = [];

        /// <summary>Lockstep backward (efficient form): dL/dh(τ) through the attention of later steps, T·R per example of the chunk.</summary>
        public float[] MemoryGrad { get; } = [];

        /// <summary>
        /// G: dL/da(t) of every (example, t ≥ 1) of the chunk at row (example, t − 1), zeros at row (example, T − 1):
        /// the left factor of dW = Σ da(t) h(t)ᵀ = Gᵀ H (H: the chunk's rows of the output, h(t) at row t − 1).
        /// </summary>
        public float[] RowGrad { get; }

        /// <summary>Explicit form: the running A (R·R).</summary>
        public float[] FastWeights { get; } = [];

        /// <summary>Explicit form: dL/dA (R·R).</summary>
        public float[] FastWeightsGrad { get; } = [];

        /// <summary>Explicit form: A(k·K) for every segment k (backward recomputation).</summary>
        public float[] Checkpoints { get; } = [];

        /// <summary>Explicit form: A(t) for the K steps of the current segment.</summary>
        public float[] Segment { get; } = [];

        /// <summary>Explicit form: checkpoint spacing K ≈ √T.</summary>
        public int SegmentLength { get; }

        public bool Fits(int steps, int hidden, bool explicitForm) =>
            Steps == steps && Hidden == hidden && (explicitForm ? FastWeights.Length != 0 : Recurrent.Length != 0);

        public Span<float> Vector(int index) => Vectors.AsSpan(index * Hidden, Hidden);
    }
}
