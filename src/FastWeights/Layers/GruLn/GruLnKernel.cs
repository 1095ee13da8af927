using FastWeights.Kernels;
using FastWeights.Layers.Recurrent;

namespace FastWeights.Layers.GruLn;

/// <summary>
/// Fused whole-sequence GRU with layer normalisation (GRU: Cho et al. 2014, update rule of Chung et al. 2014;
/// layer normalisation: Ba, Kiros &amp; Hinton 2016) with a hand-written backward pass. Row-major, batch B,
/// length T, hidden R, gate blocks G = 3 in the order <c>[r | z | n]</c> (reset, update, candidate).
/// <para>
/// The caller supplies U = x·Wxᵀ + b (B×T×3R), the recurrent weights Wh (3R×R) and per-block layer-norm gains
/// γ and biases β (3R each). Layer normalisation follows section 3.1 of the layer-norm paper: it normalises the
/// SUMMED pre-activation of each gate block (input part plus recurrent part) over that block's R units.
/// For t = 0..T−1, with h(−1) = 0 and s = h(t−1)·Whᵀ split into s_r, s_z, s_n:
/// r = σ(LN(U_r + s_r; γ_r, β_r)), z = σ(LN(U_z + s_z; γ_z, β_z)),
/// n = tanh(LN(U_n + r ⊙ s_n; γ_n, β_n)),
/// h(t) = (1 − z) ⊙ h(t−1) + z ⊙ n,
/// where LN(a; γ, β) = γ ⊙ (a − μ)/√(σ² + ε) + β with μ, σ² the mean and (biased) variance of the R entries
/// of a, and ε = <see cref="Epsilon"/>. The reset gate multiplies the recurrent product (as in cuDNN), so each
/// step needs a single B×R by R×3R product.
/// </para>
/// Single-threaded apart from whatever <see cref="Gemm"/> does, so results do not depend on the thread count.
/// </summary>
public static class GruLnKernel
{
    /// <summary>Number of gate blocks of width R in U, Wh, γ and β (r, z, n).</summary>
    public const int GateCount = 3;

    /// <summary>The ε inside the layer-norm square root.</summary>
    public const float Epsilon = 1e-5f;

    /// <summary>
    /// Buffers saved by <see cref="Forward"/> for <see cref="Backward"/>, sized for one (B, T, R) (reuse rules: <see cref="RecurrentWorkspace"/>).
    /// </summary>
    public sealed class Workspace : RecurrentWorkspace
    {
        /// <summary>Creates a workspace for the given sizes.</summary>
        public Workspace(int batch, int steps, int hidden) => Resize(batch, steps, hidden);

        /// <summary>Recurrent products s(t) = h(t−1)·Whᵀ, B×T×3R (zero at t = 0).</summary>
        public float[] Recurrent { get; private set; } = [];

        /// <summary>Normalised pre-activations (a − μ)/√(σ² + ε) per block, B×T×3R.</summary>
        public float[] Normalized { get; private set; } = [];

        /// <summary>1/√(σ² + ε) per block, B×T×3.</summary>
        public float[] InverseStd { get; private set; } = [];

        /// <summary>Gate activations r, z, n, B×T×3R.</summary>
        public float[] Gates { get; private set; } = [];

        /// <summary>h(t−1) at position t (zero at t = 0), B×T×R.</summary>
        public float[] PreviousHidden { get; private set; } = [];

        /// <summary>Backward: dL/dU, B×T×3R.</summary>
        public float[] InputGrads { get; private set; } = [];

        /// <summary>Backward: dL/ds(t) for the recurrent products, B×T×3R.</summary>
        public float[] RecurrentGrads { get; private set; } = [];

        /// <summary>Backward: carried dL/dh(t) from later steps, B×R.</summary>
        public float[] Carry { get; private set; } = [];

        /// <summary>Per-row scratch of 3R floats.</summary>
        public float[] Scratch { get; private set; } = [];

        /// <summary>Sets the sizes, growing the buffers when needed (never shrinks them).</summary>
        public void Resize(int batch, int steps, int hidden)
        {
            SetSizes(batch, steps, hidden);
            int rows = batch * steps, gr = GateCount * hidden;
            Recurrent = WorkspaceBuffer.Grow(Recurrent, rows * gr);
            Normalized = WorkspaceBuffer.Grow(Normalized, rows * gr);
            InverseStd = WorkspaceBuffer.Grow(InverseStd, rows * GateCount);
            Gates = WorkspaceBuffer.Grow(Gates, rows * gr);
            PreviousHidden = WorkspaceBuffer.Grow(PreviousHidden, rows * hidden);
            InputGrads = WorkspaceBuffer.Grow(InputGrads, rows * gr);
            RecurrentGrads = WorkspaceBuffer.Grow(RecurrentGrads, rows * gr);
            Carry = WorkspaceBuffer.Grow(Carry, batch * hidden);
            Scratch = WorkspaceBuffer.Grow(Scratch, gr);
        }
    }

    /// <summary>
    /// Runs the GRU-LN over the whole sequence and writes all hidden states to <paramref name="h"/> (B×T×R).
    /// Sizes come from <paramref name="workspace"/> (call <see cref="Workspace.Resize"/> first).
    /// </summary>
    /// <param name="workspace">Receives the saved activations.</param>
    /// <param name="u">Input projections, B×T×3R.</param>
    /// <param name="wh">Recurrent weights, 3R×R (s = h·Whᵀ).</param>
    /// <param name="lnGain">Layer-norm gains γ, 3R ([r | z | n]).</param>
    /// <param name="lnBias">Layer-norm biases β, 3R ([r | z | n]).</param>
    /// <param name="h">Output hidden states, B×T×R.</param>
    public static void Forward(
        Workspace workspace, ReadOnlySpan<float> u, ReadOnlySpan<float> wh,
        ReadOnlySpan<float> lnGain, ReadOnlySpan<float> lnBias, Span<float> h)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.Generation++;
        int batch = workspace.Batch, steps = workspace.Steps, r = workspace.Hidden, gr = GateCount * r;
        RecurrentShapes.CheckLength(u, batch * steps * gr, nameof(u));
        RecurrentShapes.CheckLength(wh, gr * r, nameof(wh));
        RecurrentShapes.CheckLength(lnGain, gr, nameof(lnGain));
        RecurrentShapes.CheckLength(lnBias, gr, nameof(lnBias));
        RecurrentShapes.CheckLength(h, batch * steps * r, nameof(h));
        var rec = workspace.Recurrent.AsSpan();
        var norm = workspace.Normalized.AsSpan();
        var invStd = workspace.InverseStd.AsSpan();
        var gates = workspace.Gates.AsSpan();
        var hPrev = workspace.PreviousHidden.AsSpan();
        var pre = workspace.Scratch.AsSpan(0, gr);

        for (int t = 0; t < steps; t++)
        {
            if (t > 0)
            {
                // s(t) = h(t−1)·Whᵀ
                Gemm.Multiply(false, true, batch, gr, r, 1f, hPrev[(t * r)..], steps * r, wh, r, 0f, rec[(t * gr)..], steps * gr);
            }
            else
            {
                for (int b = 0; b < batch; b++)
                {
                    rec.Slice(b * steps * gr, gr).Clear();
                    hPrev.Slice(b * steps * r, r).Clear();
                }
            }

            for (int b = 0; b < batch; b++)
            {
                int row = (b * steps) + t;
                var ur = u.Slice(row * gr, gr);
                var s = rec.Slice(row * gr, gr);
                var xhat = norm.Slice(row * gr, gr);
                var g = gates.Slice(row * gr, gr);
                var inv = invStd.Slice(row * GateCount, GateCount);

                // Reset and update gates: σ(LN(U + s)).
                TensorPrimitives.Add(ur[..(2 * r)], s[..(2 * r)], pre[..(2 * r)]);
                for (int k = 0; k < 2; k++)
                {
                    var blk = g.Slice(k * r, r);
                    inv[k] = LayerNormKernel.Normalize(pre.Slice(k * r, r), Epsilon, xhat.Slice(k * r, r));
                    TensorPrimitives.FusedMultiplyAdd(xhat.Slice(k * r, r), lnGain.Slice(k * r, r), lnBias.Slice(k * r, r), blk);
                    TensorPrimitives.Sigmoid(blk, blk);
                }

                // Candidate: tanh(LN(U_n + r ⊙ s_n)).
                var preN = pre.Slice(2 * r, r);
                TensorPrimitives.FusedMultiplyAdd(g[..r], s.Slice(2 * r, r), ur.Slice(2 * r, r), preN);
                var n = g.Slice(2 * r, r);
                inv[2] = LayerNormKernel.Normalize(preN, Epsilon, xhat.Slice(2 * r, r));
                TensorPrimitives.FusedMultiplyAdd(xhat.Slice(2 * r, r), lnGain.Slice(2 * r, r), lnBias.Slice(2 * r, r), n);
                TensorPrimitives.Tanh(n, n);

                // h(t) = h(t−1) + z ⊙ (n − h(t−1))
                var hp = hPrev.Slice(row * r, r);
                var ht = h.Slice(row * r, r);
                TensorPrimitives.Subtract(n, hp, ht);
                TensorPrimitives.FusedMultiplyAdd(g.Slice(r, r), ht, hp, ht);
                if (t + 1 < steps)
                {
                    ht.CopyTo(hPrev.Slice((row + 1) * r, r));
                }
            }
        }
    }

    /// <summary>
    /// Backward pass of the last <see cref="Forward"/> run with <paramref name="workspace"/>. Gradients
    /// ACCUMULATE (+=) into the output spans; pass an empty span for one that is not needed.
    /// </summary>
    /// <param name="workspace">The workspace filled by the forward pass.</param>
    /// <param name="wh">Recurrent weights, 3R×R (as in the forward pass).</param>
    /// <param name="lnGain">Layer-norm gains γ, 3R (as in the forward pass).</param>
    /// <param name="dH">dL/dH, B×T×R.</param>
    /// <param name="dU">Accumulates dL/dU, B×T×3R, or empty.</param>
    /// <param name="dWh">Accumulates dL/dWh, 3R×R, or empty.</param>
    /// <param name="dLnGain">Accumulates dL/dγ, 3R, or empty.</param>
    /// <param name="dLnBias">Accumulates dL/dβ, 3R, or empty.</param>
    public static void Backward(
        Workspace workspace, ReadOnlySpan<float> wh, ReadOnlySpan<float> lnGain, ReadOnlySpan<float> dH,
        Span<float> dU, Span<float> dWh, Span<float> dLnGain, Span<float> dLnBias)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int batch = workspace.Batch, steps = workspace.Steps, r = workspace.Hidden, gr = GateCount * r;
        RecurrentShapes.CheckLength(wh, gr * r, nameof(wh));
        RecurrentShapes.CheckLength(lnGain, gr, nameof(lnGain));
        RecurrentShapes.CheckLength(dH, batch * steps * r, nameof(dH));
        RecurrentShapes.CheckOptional(dU, batch * steps * gr, nameof(dU));
        RecurrentShapes.CheckOptional(dWh, gr * r, nameof(dWh));
        RecurrentShapes.CheckOptional(dLnGain, gr, nameof(dLnGain));
        RecurrentShapes.CheckOptional(dLnBias, gr, nameof(dLnBias));
        var rec = workspace.Recurrent.AsSpan();
        var norm = workspace.Normalized.AsSpan();
        var invStd = workspace.InverseStd.AsSpan();
        var gates = workspace.Gates.AsSpan();
        var hPrev = workspace.PreviousHidden.AsSpan();
        var dPre = workspace.InputGrads.AsSpan();
        var dRec = workspace.RecurrentGrads.AsSpan();
        var dhCarry = workspace.Carry.AsSpan(0, batch * r);
        var dy = workspace.Scratch.AsSpan(0, gr);
        dhCarry.Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            for (int b = 0; b < batch; b++)
            {
                int row = (b * steps) + t;
                var g = gates.Slice(row * gr, gr);
                var s = rec.Slice(row * gr, gr);
                var xhat = norm.Slice(row * gr, gr);
                var inv = invStd.Slice(row * GateCount, GateCount);
                var hp = hPrev.Slice(row * r, r);
                var dhOut = dH.Slice(row * r, r);
                var dhIn = dhCarry.Slice(b * r, r);
                var da = dPre.Slice(row * gr, gr);
                var ds = dRec.Slice(row * gr, gr);

                for (int j = 0; j < r; j++)
                {
                    float z = g[r + j], n = g[(2 * r) + j];
                    float dh = dhOut[j] + dhIn[j];
                    // h = (1 − z) ⊙ h(t−1) + z ⊙ n
                    dy[r + j] = dh * (n - hp[j]) * z * (1f - z);   // through σ of the update gate
                    dy[(2 * r) + j] = dh * z * (1f - (n * n));     // through tanh of the candidate
                    dhIn[j] = dh * (1f - z);                       // direct path to h(t−1)
                }
                BlockLayerNormBackward(2, r, dy, xhat, lnGain, inv[2], dLnGain, dLnBias, da);
                for (int j = 0; j < r; j++)
                {
                    // a_n = U_n + r ⊙ s_n
                    float rg = g[j], dan = da[(2 * r) + j];
                    ds[(2 * r) + j] = dan * rg;
                    dy[j] = dan * s[(2 * r) + j] * rg * (1f - rg);
                }
                for (int k = 0; k < 2; k++)
                {
                    BlockLayerNormBackward(k, r, dy, xhat, lnGain, inv[k], dLnGain, dLnBias, da);
                }
                // a_r = U_r + s_r, a_z = U_z + s_z
                da[..(2 * r)].CopyTo(ds[..(2 * r)]);
            }
            if (t > 0)
            {
                // dL/dh(t−1) += ds(t)·Wh
                Gemm.Multiply(false, false, batch, r, gr, 1f, dRec[(t * gr)..], steps * gr, wh, r, 1f, dhCarry, r);
            }
        }

        int rows = batch * steps;
        if (!dWh.IsEmpty)
        {
            // dWh += Σ_t ds(t)ᵀ·h(t−1)
            Gemm.Multiply(true, false, gr, r, rows, 1f, dRec, gr, hPrev, r, 1f, dWh, r);
        }
        if (!dU.IsEmpty)
        {
            TensorPrimitives.Add(dU[..(rows * gr)], dPre[..(rows * gr)], dU[..(rows * gr)]);
        }
    }

    /// <summary>
    /// Backward of the layer norm of gate block <paramref name="k"/> (units k·R..(k+1)·R): dγ += dy ⊙ x̂, dβ += dy, and
    /// da = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)) with dx̂ = γ ⊙ dy (overwrites the block of <paramref name="da"/>).
    /// </summary>
    private static void BlockLayerNormBackward(
        int k, int r, ReadOnlySpan<float> dy, ReadOnlySpan<float> xhat, ReadOnlySpan<float> lnGain, float inv,
        Span<float> dLnGain, Span<float> dLnBias, Span<float> da)
    {
        var dyBlock = dy.Slice(k * r, r);
        var xhatBlock = xhat.Slice(k * r, r);
        LayerNormKernel.AccumulateParameterGradients<LayerNormKernel.FusedMultiplyAdd>(
            dyBlock, xhatBlock, dLnGain.IsEmpty ? default : dLnGain.Slice(k * r, r), dLnBias.IsEmpty ? default : dLnBias.Slice(k * r, r));
        var daBlock = da.Slice(k * r, r);
        LayerNormKernel.InputGradient<LayerNormKernel.Overwrite>(dyBlock, xhatBlock, lnGain.Slice(k * r, r), inv, daBlock, daBlock);
    }
}
