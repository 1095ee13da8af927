using System.Numerics.Tensors;
using FastWeights.Models;

namespace FastWeights.Kernels;

/// <summary>
/// The fused whole-sequence fast-weights RNN (Ba, Hinton, Mnih, Leibo, Ionescu, NIPS 2016, section 3), forward
/// and hand-written backward, over row-major buffers. For each example and t = 0..T−1, with h(0) = 0, A(0) = 0:
/// <code>
/// a = W h(t) + U(t)                                  (z = h·Wᵀ: W[i,j] is the weight from unit j to unit i)
/// h_0 = f(a)
/// h_{s+1} = f(LN[a + A(t) h_s]),  s = 0..S−1          (LN per example over the R units, eps 1e-5, gain g, bias β)
/// h(t+1) = h_S
/// A(t+1) = λ A(t) + η h(t+1) h(t+1)ᵀ
/// </code>
/// so step t attends to h(1..t) only: A(t) h_s = η Σ_{τ=1..t} λ^{t−τ} h(τ) (h(τ)ᵀ h_s). Output row t of H is h(t+1).
/// Without fast weights the step is h(t+1) = f(LN[a]) (or f(a) without layer norm). f is ReLU.
/// <para>
/// The batch is split into fixed chunks of <see cref="ChunkSize"/> examples processed in parallel; partial
/// weight gradients are summed in chunk order, so results are bit-identical for any number of threads.
/// </para>
/// </summary>
public static class FastWeightRnnKernel
{
    /// <summary>Examples per parallel work item (fixed, independent of the thread count).</summary>
    public const int ChunkSize = 8;

    /// <summary>The ε of the layer normalization.</summary>
    public const float LayerNormEpsilon = 1e-5f;

    // Indices of the scratch vectors.
    private const int VecZ = 0, VecDh = 1, VecCur = 2, VecPrev = 3, VecDa = 4, VecRec = 5, VecTmp = 6;

    /// <summary>
    /// Runs the recurrence over a batch and saves what <see cref="Backward"/> needs in <paramref name="workspace"/>.
    /// </summary>
    /// <param name="options">Hyper-parameters and variant (validated here).</param>
    /// <param name="batch">B.</param>
    /// <param name="steps">T.</param>
    /// <param name="hidden">R.</param>
    /// <param name="u">Projected inputs U = C·x(t) + b, B×T×R.</param>
    /// <param name="w">Slow recurrent weights W, R×R (W[i,j]: from unit j to unit i).</param>
    /// <param name="gain">Layer-norm gain g (R), or empty for 1.</param>
    /// <param name="bias">Layer-norm bias β (R), or empty for 0.</param>
    /// <param name="h">Output hidden states h(1..T), B×T×R (overwritten).</param>
    /// <param name="workspace">Buffers, reused across calls.</param>
    /// <param name="maxDegreeOfParallelism">Most threads to use; −1 for no limit. Results do not depend on it.</param>
    public static void Forward(
        FastWeightRnnOptions options, int batch, int steps, int hidden,
        ReadOnlyMemory<float> u, ReadOnlyMemory<float> w, ReadOnlyMemory<float> gain, ReadOnlyMemory<float> bias,
        Memory<float> h, FastWeightRnnWorkspace workspace, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(workspace);
        options.Validate(hidden);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        long total = (long)batch * steps * hidden;
        CheckLength(u.Length, total, nameof(u));
        CheckLength(h.Length, total, nameof(h));
        CheckLength(w.Length, (long)hidden * hidden, nameof(w));
        if (!gain.IsEmpty)
        {
            CheckLength(gain.Length, hidden, nameof(gain));
        }
        if (!bias.IsEmpty)
        {
            CheckLength(bias.Length, hidden, nameof(bias));
        }
        int chunkCount = (batch + ChunkSize - 1) / ChunkSize;
        workspace.Prepare(batch, steps, hidden, options, chunkCount);
        if (!options.UseLayerNorm)
        {
            gain = default;
            bias = default;
        }
        RunChunks(chunkCount, maxDegreeOfParallelism, chunk =>
        {
            var scratch = workspace.RentScratch();
            int end = Math.Min(batch, (chunk + 1) * ChunkSize);
            for (int b = chunk * ChunkSize; b < end; b++)
            {
                ForwardExample(workspace, scratch, b, u.Span, w.Span, gain.Span, bias.Span, h.Span);
            }
            workspace.ReturnScratch(scratch);
        });
        workspace.HasForward = true;
    }

    /// <summary>
    /// Backward pass of the last <see cref="Forward"/> run with <paramref name="workspace"/>: ACCUMULATES (+=) the
    /// gradients of the loss into <paramref name="dU"/>, <paramref name="dW"/>, <paramref name="dGain"/> and
    /// <paramref name="dBias"/>; an empty buffer skips that gradient.
    /// </summary>
    /// <param name="workspace">The workspace the forward pass filled.</param>
    /// <param name="w">The same W as in the forward pass.</param>
    /// <param name="gain">The same gain as in the forward pass (or empty).</param>
    /// <param name="h">The forward output H, B×T×R.</param>
    /// <param name="dH">dL/dH, B×T×R.</param>
    /// <param name="dU">dL/dU accumulator, B×T×R, or empty.</param>
    /// <param name="dW">dL/dW accumulator, R×R, or empty.</param>
    /// <param name="dGain">dL/dg accumulator, R, or empty.</param>
    /// <param name="dBias">dL/dβ accumulator, R, or empty.</param>
    /// <param name="maxDegreeOfParallelism">Most threads to use; −1 for no limit. Results do not depend on it.</param>
    public static void Backward(
        FastWeightRnnWorkspace workspace, ReadOnlyMemory<float> w, ReadOnlyMemory<float> gain,
        ReadOnlyMemory<float> h, ReadOnlyMemory<float> dH,
        Memory<float> dU, Memory<float> dW, Memory<float> dGain, Memory<float> dBias,
        int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (!workspace.HasForward)
        {
            throw new InvalidOperationException("Backward needs a workspace filled by Forward.");
        }
        int batch = workspace.Batch, steps = workspace.Steps, hidden = workspace.Hidden;
        long total = (long)batch * steps * hidden;
        CheckLength(h.Length, total, nameof(h));
        CheckLength(dH.Length, total, nameof(dH));
        CheckLength(w.Length, (long)hidden * hidden, nameof(w));
        if (!dU.IsEmpty)
        {
            CheckLength(dU.Length, total, nameof(dU));
        }
        if (!dW.IsEmpty)
        {
            CheckLength(dW.Length, (long)hidden * hidden, nameof(dW));
        }
        if (!workspace.UseLayerNorm)
        {
            gain = default;
            dGain = default;
            dBias = default;
        }
        if (!gain.IsEmpty)
        {
            CheckLength(gain.Length, hidden, nameof(gain));
        }
        if (!dGain.IsEmpty)
        {
            CheckLength(dGain.Length, hidden, nameof(dGain));
        }
        if (!dBias.IsEmpty)
        {
            CheckLength(dBias.Length, hidden, nameof(dBias));
        }
        bool wantW = !dW.IsEmpty, wantG = !dGain.IsEmpty, wantB = !dBias.IsEmpty;
        int chunkCount = (batch + ChunkSize - 1) / ChunkSize;
        RunChunks(chunkCount, maxDegreeOfParallelism, chunk =>
        {
            var scratch = workspace.RentScratch();
            var partialW = wantW ? workspace.PartialWeightGrad.AsSpan(chunk * hidden * hidden, hidden * hidden) : default;
            var partialG = wantG ? workspace.PartialGainGrad.AsSpan(chunk * hidden, hidden) : default;
            var partialB = wantB ? workspace.PartialBiasGrad.AsSpan(chunk * hidden, hidden) : default;
            partialG.Clear();
            partialB.Clear();
            int start = chunk * ChunkSize, end = Math.Min(batch, (chunk + 1) * ChunkSize);
            for (int b = start; b < end; b++)
            {
                BackwardExample(workspace, scratch, b, (b - start) * Math.Max(0, steps - 1), wantW, w.Span, gain.Span, h.Span, dH.Span, dU.Span, partialG, partialB);
            }
            if (wantW)
            {
                // dW (this chunk) = Σ_{b,t≥1} da(b,t) h(b,t)ᵀ as one product over the chunk's rows.
                int rows = (end - start) * Math.Max(0, steps - 1);
                Gemm.Multiply(true, false, hidden, hidden, rows, 1f, scratch.RowGrad, hidden, scratch.RowInput, hidden, 0f, partialW, hidden);
            }
            workspace.ReturnScratch(scratch);
        });
        // Fixed-order reduction of the per-chunk partials.
        for (int chunk = 0; chunk < chunkCount; chunk++)
        {
            if (wantW)
            {
                var p = workspace.PartialWeightGrad.AsSpan(chunk * hidden * hidden, hidden * hidden);
                TensorPrimitives.Add(dW.Span[..(hidden * hidden)], p, dW.Span);
            }
            if (wantG)
            {
                TensorPrimitives.Add(dGain.Span[..hidden], workspace.PartialGainGrad.AsSpan(chunk * hidden, hidden), dGain.Span);
            }
            if (wantB)
            {
                TensorPrimitives.Add(dBias.Span[..hidden], workspace.PartialBiasGrad.AsSpan(chunk * hidden, hidden), dBias.Span);
            }
        }
    }

    /// <summary>
    /// Runs one sequence (no gradient) and returns its hidden states, the fast-weight matrices A(0..T) and, for every
    /// step and inner step, the attention weights η λ^{t−τ} h(τ)ᵀ h_s over the stored past states τ = 1..t (what the
    /// efficient form computes). For inspection and plots; not optimized.
    /// </summary>
    /// <param name="options">Hyper-parameters; fast weights must be on for the memory outputs to be non-trivial.</param>
    /// <param name="steps">T.</param>
    /// <param name="hidden">R.</param>
    /// <param name="u">Projected inputs of the sequence, T×R.</param>
    /// <param name="w">W, R×R.</param>
    /// <param name="gain">Layer-norm gain (R) or empty.</param>
    /// <param name="bias">Layer-norm bias (R) or empty.</param>
    public static FastWeightRnnTrace Trace(
        FastWeightRnnOptions options, int steps, int hidden,
        ReadOnlyMemory<float> u, ReadOnlyMemory<float> w, ReadOnlyMemory<float> gain, ReadOnlyMemory<float> bias)
    {
        ArgumentNullException.ThrowIfNull(options);
        var workspace = new FastWeightRnnWorkspace();
        var h = new float[steps * hidden];
        Forward(options, 1, steps, hidden, u, w, gain, bias, h, workspace, 1);

        var fastWeights = new float[steps + 1][];
        var attention = new float[steps][][];
        var a = new float[hidden * hidden];
        int innerSteps = workspace.InnerSteps;
        for (int t = 0; t < steps; t++)
        {
            fastWeights[t] = (float[])a.Clone();
            attention[t] = new float[innerSteps][];
            for (int s = 0; s < innerSteps; s++)
            {
                var scores = new float[options.UseFastWeights ? t : 0];
                if (options.UseFastWeights)
                {
                    var hs = workspace.InnerStates.AsSpan(((t * innerSteps) + s) * hidden, hidden);
                    for (int j = 0; j < t; j++)
                    {
                        scores[j] = options.Eta * workspace.DecayPowers[t - 1 - j] * FastWeightRnnMath.Dot(h.AsSpan(j * hidden, hidden), hs);
                    }
                }
                attention[t][s] = scores;
            }
            if (options.UseFastWeights)
            {
                FastWeightRnnMath.DecayAddOuter(a, hidden, options.Lambda, options.Eta, h.AsSpan(t * hidden, hidden));
            }
        }
        fastWeights[steps] = a;
        return new FastWeightRnnTrace(steps, hidden, h, fastWeights, attention);
    }

    private static void ForwardExample(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int b,
        ReadOnlySpan<float> uAll, ReadOnlySpan<float> w, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, Span<float> hAll)
    {
        int steps = ws.Steps, r = ws.Hidden, innerSteps = ws.InnerSteps;
        bool fast = ws.UseFastWeights, ln = ws.UseLayerNorm, explicitForm = ws.Explicit;
        float eta = ws.Eta, lambda = ws.Lambda;
        var u = uAll.Slice(b * steps * r, steps * r);
        var h = hAll.Slice(b * steps * r, steps * r);
        var pre = ws.PreActivation.AsSpan(b * steps * r, steps * r);
        var inner = fast ? ws.InnerStates.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r) : default;
        var norm = ln ? ws.Normalized.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r) : default;
        var rstd = ln ? ws.InverseStd.AsSpan(b * steps * innerSteps, steps * innerSteps) : default;
        var powers = ws.DecayPowers;
        var z = scratch.Vector(VecZ);
        var fastWeights = explicitForm ? scratch.FastWeights.AsSpan(0, r * r) : default;
        fastWeights.Clear();

        for (int t = 0; t < steps; t++)
        {
            var a = pre.Slice(t * r, r);
            var ut = u.Slice(t * r, r);
            // a = W h(t) + U(t); h(0) = 0.
            if (t == 0)
            {
                ut.CopyTo(a);
            }
            else
            {
                FastWeightRnnMath.MatVec(w, r, r, h.Slice((t - 1) * r, r), ut, a);
            }
            var ht = h.Slice(t * r, r);
            if (!fast)
            {
                Activate(a, ln, gain, bias, norm, rstd, t, ht, r);
                continue;
            }
            // h_0 = f(a)
            var h0 = inner.Slice(t * innerSteps * r, r);
            TensorPrimitives.Max(a, 0f, h0);
            for (int s = 0; s < innerSteps; s++)
            {
                int ts = (t * innerSteps) + s;
                var hs = inner.Slice(ts * r, r);
                var hNext = s == innerSteps - 1 ? ht : inner.Slice((ts + 1) * r, r);
                // z = a + A(t) h_s
                if (t == 0)
                {
                    a.CopyTo(z);
                }
                else if (explicitForm)
                {
                    FastWeightRnnMath.MatVec(fastWeights, r, r, hs, a, z);
                }
                else
                {
                    // A(t) h_s = Σ_{j<t} c_j H_j (H_j · h_s), c_j = η λ^{t−1−j}, H_j = h(j+1): attention over the t
                    // stored states as two small matrix-vector products, scores = c ⊙ (H[0..t) h_s), z = a + H[0..t)ᵀ scores.
                    var past = h[..(t * r)];
                    var scores = scratch.Scores.AsSpan(0, t);
                    FastWeightRnnMath.MatVec(past, t, r, hs, default, scores);
                    TensorPrimitives.Multiply(scores, ws.AttentionCoefficients.AsSpan(steps - t, t), scores);
                    a.CopyTo(z);
                    FastWeightRnnMath.AddMatTVec(past, t, r, scores, 1f, z);
                }
                Activate(z, ln, gain, bias, norm, rstd, ts, hNext, r);
            }
            if (explicitForm && t < steps - 1)
            {
                FastWeightRnnMath.DecayAddOuter(fastWeights, r, lambda, eta, ht);
            }
        }
    }

    /// <summary>hOut = f(LN[z]) or f(z); saves n and 1/σ at slot <paramref name="slot"/>.</summary>
    private static void Activate(
        ReadOnlySpan<float> z, bool ln, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias,
        Span<float> norm, Span<float> rstd, int slot, Span<float> hOut, int r)
    {
        if (ln)
        {
            rstd[slot] = FastWeightRnnMath.LayerNormRelu(z, gain, bias, LayerNormEpsilon, norm.Slice(slot * r, r), hOut);
        }
        else
        {
            TensorPrimitives.Max(z, 0f, hOut);
        }
    }

    /// <summary>dz = dL/dz given d = dL/dhOut, through the ReLU (mask hOut &gt; 0) and the layer norm.</summary>
    private static void ActivateBackward(
        ReadOnlySpan<float> d, ReadOnlySpan<float> hOut, bool ln, ReadOnlySpan<float> gain,
        ReadOnlySpan<float> norm, ReadOnlySpan<float> rstd, int slot, int r,
        Span<float> dGain, Span<float> dBias, Span<float> dz)
    {
        FastWeightRnnMath.MaskByPositive(d, hOut, dz);
        if (ln)
        {
            FastWeightRnnMath.LayerNormBackward(dz, norm.Slice(slot * r, r), rstd[slot], gain, dGain, dBias, dz);
        }
    }

    private static void BackwardExample(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int b, int rowBase, bool saveRows,
        ReadOnlySpan<float> w, ReadOnlySpan<float> gain, ReadOnlySpan<float> hAll, ReadOnlySpan<float> dHAll,
        Span<float> dUAll, Span<float> dGain, Span<float> dBias)
    {
        int steps = ws.Steps, r = ws.Hidden, innerSteps = ws.InnerSteps;
        bool fast = ws.UseFastWeights, ln = ws.UseLayerNorm, explicitForm = ws.Explicit;
        float eta = ws.Eta, lambda = ws.Lambda;
        var h = hAll.Slice(b * steps * r, steps * r);
        var dH = dHAll.Slice(b * steps * r, steps * r);
        var dU = dUAll.IsEmpty ? default : dUAll.Slice(b * steps * r, steps * r);
        var pre = ws.PreActivation.AsSpan(b * steps * r, steps * r);
        var inner = fast ? ws.InnerStates.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r) : default;
        var norm = ln ? ws.Normalized.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r) : default;
        var rstd = ln ? ws.InverseStd.AsSpan(b * steps * innerSteps, steps * innerSteps) : default;
        var powers = ws.DecayPowers;

        var dh = scratch.Vector(VecDh);
        var dCur = scratch.Vector(VecCur);
        var dPrev = scratch.Vector(VecPrev);
        var da = scratch.Vector(VecDa);
        var dRec = scratch.Vector(VecRec);
        var tmp = scratch.Vector(VecTmp);
        var dz = scratch.Vector(VecZ);
        dRec.Clear();
        var memoryGrad = fast && !explicitForm ? scratch.MemoryGrad.AsSpan(0, steps * r) : default;
        memoryGrad.Clear();

        // Explicit form: A(t) is rebuilt from checkpoints A(kK) every K steps (K ≈ √T).
        int segLen = explicitForm ? scratch.SegmentLength : 0;
        var dA = explicitForm ? scratch.FastWeightsGrad.AsSpan(0, r * r) : default;
        dA.Clear();
        int loadedSegment = -1;
        if (explicitForm)
        {
            BuildCheckpoints(scratch, h, steps, r, lambda, eta);
        }

        for (int t = steps - 1; t >= 0; t--)
        {
            var ht = h.Slice(t * r, r);
            // dL/dh(t+1): output gradient + recurrence through W h(t+1) (+ memory of later steps).
            TensorPrimitives.Add(dH.Slice(t * r, r), dRec, dh);
            if (fast && !explicitForm)
            {
                TensorPrimitives.Add(dh, memoryGrad.Slice(t * r, r), dh);
            }
            Span<float> fastWeights = default;
            if (explicitForm)
            {
                if (t < steps - 1)
                {
                    // A(t+1) = λ A(t) + η h(t+1) h(t+1)ᵀ: dh(t+1) += η (dA + dAᵀ) h(t+1); dA(t) = λ dA(t+1).
                    FastWeightRnnMath.MatVec(dA, r, r, ht, default, tmp);
                    FastWeightRnnMath.AddMatTVec(dA, r, r, ht, 1f, tmp);
                    FastWeightRnnMath.Axpy(eta, tmp, dh);
                    TensorPrimitives.Multiply(dA, lambda, dA);
                }
                int segment = t / segLen;
                if (segment != loadedSegment)
                {
                    LoadSegment(scratch, h, segment, steps, r, lambda, eta);
                    loadedSegment = segment;
                }
                fastWeights = scratch.Segment.AsSpan((t - (segment * segLen)) * r * r, r * r);
            }

            var a = pre.Slice(t * r, r);
            if (!fast)
            {
                ActivateBackward(dh, ht, ln, gain, norm, rstd, t, r, dGain, dBias, da);
            }
            else
            {
                da.Clear();
                dh.CopyTo(dCur);
                for (int s = innerSteps - 1; s >= 0; s--)
                {
                    int ts = (t * innerSteps) + s;
                    var hs = inner.Slice(ts * r, r);
                    var hOut = s == innerSteps - 1 ? ht : inner.Slice((ts + 1) * r, r);
                    // dz through f and LN; z = a + A(t) h_s.
                    ActivateBackward(dCur, hOut, ln, gain, norm, rstd, ts, r, dGain, dBias, dz);
                    TensorPrimitives.Add(da, dz, da);
                    dPrev.Clear();
                    if (t > 0)
                    {
                        if (explicitForm)
                        {
                            // dh_s = A(t)ᵀ dz = A(t) dz (A symmetric); dA(t) += dz h_sᵀ.
                            FastWeightRnnMath.MatVec(fastWeights, r, r, dz, default, dPrev);
                            FastWeightRnnMath.AddOuter(dA, r, r, dz, 1f, hs);
                        }
                        else
                        {
                            // term = Σ_j c_j H_j (H_j·h_s): with p_j = c_j (H_j·h_s), q_j = c_j (H_j·dz):
                            // dh_s += Σ_j q_j H_j; dH_j += q_j h_s + p_j dz. As matrix-vector products over H[0..t).
                            var past = h[..(t * r)];
                            var coefficients = ws.AttentionCoefficients.AsSpan(steps - t, t);
                            var p = scratch.Scores.AsSpan(0, t);
                            var q = scratch.Scores.AsSpan(steps, t);
                            FastWeightRnnMath.MatVec(past, t, r, hs, default, p);
                            TensorPrimitives.Multiply(p, coefficients, p);
                            FastWeightRnnMath.MatVec(past, t, r, dz, default, q);
                            TensorPrimitives.Multiply(q, coefficients, q);
                            FastWeightRnnMath.AddMatTVec(past, t, r, q, 1f, dPrev);
                            FastWeightRnnMath.AddOuterPair(memoryGrad[..(t * r)], t, r, q, hs, p, dz);
                        }
                    }
                    // dPrev is dL/dh_s; continue the inner loop with it.
                    var swap = dCur;
                    dCur = dPrev;
                    dPrev = swap;
                }
                // h_0 = f(a).
                FastWeightRnnMath.AddMaskedByPositive(dCur, a, da);
            }
            if (!dU.IsEmpty)
            {
                var dUt = dU.Slice(t * r, r);
                TensorPrimitives.Add(dUt, da, dUt);
            }
            if (t > 0)
            {
                var hPrev = h.Slice((t - 1) * r, r);
                // a = W h(t) + U(t): dW += da h(t)ᵀ (rows saved for one product per chunk), dh(t) = Wᵀ da.
                if (saveRows)
                {
                    int row = rowBase + t - 1;
                    da.CopyTo(scratch.RowGrad.AsSpan(row * r, r));
                    hPrev.CopyTo(scratch.RowInput.AsSpan(row * r, r));
                }
                dRec.Clear();
                FastWeightRnnMath.AddMatTVec(w, r, r, da, 1f, dRec);
            }
        }
    }

    /// <summary>Checkpoints[k] = A(k·K) for the explicit-form backward, from the stored hidden states.</summary>
    private static void BuildCheckpoints(FastWeightRnnWorkspace.Scratch scratch, ReadOnlySpan<float> h, int steps, int r, float lambda, float eta)
    {
        int segLen = scratch.SegmentLength;
        int count = (steps + segLen - 1) / segLen;
        int rr = r * r;
        var checkpoints = scratch.Checkpoints.AsSpan(0, count * rr);
        checkpoints[..rr].Clear();
        for (int k = 1; k < count; k++)
        {
            var m = checkpoints.Slice(k * rr, rr);
            checkpoints.Slice((k - 1) * rr, rr).CopyTo(m);
            for (int t = (k - 1) * segLen; t < k * segLen; t++)
            {
                FastWeightRnnMath.DecayAddOuter(m, r, lambda, eta, h.Slice(t * r, r));
            }
        }
    }

    /// <summary>Segment[i] = A(k·K + i) for i = 0..K−1 (within the sequence), rebuilt from checkpoint k.</summary>
    private static void LoadSegment(FastWeightRnnWorkspace.Scratch scratch, ReadOnlySpan<float> h, int segment, int steps, int r, float lambda, float eta)
    {
        int segLen = scratch.SegmentLength;
        int rr = r * r;
        int start = segment * segLen;
        int length = Math.Min(segLen, steps - start);
        var seg = scratch.Segment.AsSpan(0, segLen * rr);
        scratch.Checkpoints.AsSpan(segment * rr, rr).CopyTo(seg);
        for (int i = 1; i < length; i++)
        {
            var m = seg.Slice(i * rr, rr);
            seg.Slice((i - 1) * rr, rr).CopyTo(m);
            FastWeightRnnMath.DecayAddOuter(m, r, lambda, eta, h.Slice((start + i - 1) * r, r));
        }
    }

    private static void RunChunks(int chunkCount, int maxDegreeOfParallelism, Action<int> body)
    {
        // No explicit limit: the library-wide thread limit of the matrix products.
        if (maxDegreeOfParallelism < 0)
        {
            maxDegreeOfParallelism = Gemm.MaxThreads;
        }
        if (chunkCount <= 1 || maxDegreeOfParallelism == 1)
        {
            for (int c = 0; c < chunkCount; c++)
            {
                body(c);
            }
            return;
        }
        Parallel.For(0, chunkCount, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, body);
    }

    private static void CheckLength(long actual, long expected, string name)
    {
        if (actual < expected)
        {
            throw new ArgumentException($"Buffer '{name}' has {actual} elements, the fast-weights RNN needs {expected}.", name);
        }
    }
}
