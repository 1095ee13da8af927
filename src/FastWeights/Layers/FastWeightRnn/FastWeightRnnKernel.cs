using FastWeights.Kernels;

namespace FastWeights.Layers.FastWeightRnn;

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
/// Within a chunk the efficient form (and the variants without fast weights) runs its examples in lockstep over
/// time, so the slow-weight products are one [chunk×R]·[R×R] matrix product per step (W h(t) forward, Wᵀ da
/// backward) instead of one matrix-vector product per example; the explicit form, whose per-example state is an
/// R×R matrix, runs example by example.
/// </para>
/// </summary>
public static class FastWeightRnnKernel
{
    /// <summary>Examples per parallel work item (fixed, independent of the thread count).</summary>
    public const int ChunkSize = 12;

    /// <summary>The ε of the layer normalization.</summary>
    public const float LayerNormEpsilon = 1e-5f;

    // Indices of the scratch vectors.
    private const int VecZ = 0, VecDh = 1, VecPrev = 2, VecDa = 3, VecRec = 4, VecTmp = 5;

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
        CheckOptional(gain.Length, hidden, nameof(gain));
        CheckOptional(bias.Length, hidden, nameof(bias));
        int chunkCount = (batch + ChunkSize - 1) / ChunkSize;
        workspace.Prepare(batch, steps, hidden, options, chunkCount);
        if (!options.UseLayerNorm)
        {
            gain = default;
            bias = default;
        }
        if (!workspace.Explicit)
        {
            // Right factor of a(t) = h(t) Wᵀ + U(t) (rows).
            PackedPanelProduct.Pack(w.Span, hidden, hidden, true, workspace.PackedWeights);
        }
        KernelThreads.For(chunkCount, maxDegreeOfParallelism, chunk =>
        {
            var scratch = workspace.RentScratch();
            int start = chunk * ChunkSize, end = Math.Min(batch, start + ChunkSize);
            if (workspace.Explicit)
            {
                for (int b = start; b < end; b++)
                {
                    ForwardExample(workspace, scratch, b, u.Span, w.Span, gain.Span, bias.Span, h.Span);
                }
            }
            else
            {
                ForwardChunk(workspace, scratch, start, end - start, u.Span, gain.Span, bias.Span, h.Span);
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
        CheckOptional(dU.Length, total, nameof(dU));
        CheckOptional(dW.Length, (long)hidden * hidden, nameof(dW));
        if (!workspace.UseLayerNorm)
        {
            gain = default;
            dGain = default;
            dBias = default;
        }
        CheckOptional(gain.Length, hidden, nameof(gain));
        CheckOptional(dGain.Length, hidden, nameof(dGain));
        CheckOptional(dBias.Length, hidden, nameof(dBias));
        bool wantW = !dW.IsEmpty, wantG = !dGain.IsEmpty, wantB = !dBias.IsEmpty;
        int chunkCount = (batch + ChunkSize - 1) / ChunkSize;
        if (!workspace.Explicit)
        {
            // Right factor of dh(t) = da(t) W (rows).
            PackedPanelProduct.Pack(w.Span, hidden, hidden, false, workspace.PackedWeights);
        }
        KernelThreads.For(chunkCount, maxDegreeOfParallelism, chunk =>
        {
            var scratch = workspace.RentScratch();
            var partialW = wantW ? workspace.PartialWeightGrad.AsSpan(chunk * hidden * hidden, hidden * hidden) : default;
            var partialG = wantG ? workspace.PartialGainGrad.AsSpan(chunk * hidden, hidden) : default;
            var partialB = wantB ? workspace.PartialBiasGrad.AsSpan(chunk * hidden, hidden) : default;
            partialG.Clear();
            partialB.Clear();
            int start = chunk * ChunkSize, count = Math.Min(batch, start + ChunkSize) - start;
            // Row (i, j) of G holds da(start + i, j + 1) for j < T−1 and zeros for j = T−1, so that row (i, j) of
            // G pairs with row (i, j) of the chunk's H (h(j+1); h(t) for the da of step t).
            var rowGrad = scratch.RowGrad.AsSpan(0, count * steps * hidden);
            if (workspace.Explicit)
            {
                for (int b = start; b < start + count; b++)
                {
                    BackwardExample(workspace, scratch, b, rowGrad.Slice((b - start) * steps * hidden, steps * hidden), w.Span, gain.Span, h.Span, dH.Span, dU.Span, partialG, partialB);
                }
            }
            else
            {
                BackwardChunk(workspace, scratch, start, count, rowGrad, w.Span, gain.Span, h.Span, dH.Span, dU.Span, partialG, partialB);
            }
            if (wantW)
            {
                // dW (this chunk) = Σ_{b,t≥1} da(b,t) h(b,t)ᵀ = Gᵀ H_chunk, one product over the chunk's B_c·T rows
                // while they are still in cache (one product over the whole batch measured slower: its packing
                // reads G and H back from memory).
                Gemm.Multiply(true, false, hidden, hidden, count * steps, 1f, rowGrad, hidden, h.Span[(start * steps * hidden)..], hidden, 0f, partialW, hidden, 1);
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
                        scores[j] = options.Eta * workspace.DecayPowers[t - 1 - j] * MatrixVector.Dot(h.AsSpan(j * hidden, hidden), hs);
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

    /// <summary>
    /// Efficient form and the variants without fast weights: the examples start..start+count−1 in lockstep over time.
    /// </summary>
    private static void ForwardChunk(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int start, int count,
        ReadOnlySpan<float> u, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, Span<float> h)
    {
        int steps = ws.Steps, r = ws.Hidden, ld = steps * r;
        var pre = ws.PreActivation.AsSpan();
        for (int t = 0; t < steps; t++)
        {
            // a(t) = W h(t) + U(t) for the chunk's examples at once: A_t = U_t + H_t Wᵀ, one [count×R]·[R×R]
            // product against Wᵀ packed once per call (the rows of one step are T·R apart); h(0) = 0.
            int row0 = ((start * steps) + t) * r;
            for (int i = 0; i < count; i++)
            {
                u.Slice(row0 + (i * ld), r).CopyTo(pre.Slice(row0 + (i * ld), r));
            }
            if (t > 0)
            {
                PackedPanelProduct.Multiply(count, r, r, h[(row0 - r)..], ld, ws.PackedWeights, true, pre[row0..], ld);
            }
            for (int i = 0; i < count; i++)
            {
                ForwardStep(ws, scratch, start + i, t, default, gain, bias, h);
            }
        }
    }

    /// <summary>Explicit form: one example, carrying its R×R fast-weight matrix A(t) through time.</summary>
    private static void ForwardExample(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int b,
        ReadOnlySpan<float> uAll, ReadOnlySpan<float> w, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, Span<float> hAll)
    {
        int steps = ws.Steps, r = ws.Hidden;
        var u = uAll.Slice(b * steps * r, steps * r);
        var h = hAll.Slice(b * steps * r, steps * r);
        var pre = ws.PreActivation.AsSpan(b * steps * r, steps * r);
        var fastWeights = scratch.FastWeights.AsSpan(0, r * r);
        fastWeights.Clear();
        for (int t = 0; t < steps; t++)
        {
            // a = W h(t) + U(t); h(0) = 0.
            var a = pre.Slice(t * r, r);
            var ut = u.Slice(t * r, r);
            if (t == 0)
            {
                ut.CopyTo(a);
            }
            else
            {
                MatrixVector.MultiplyAdd(w, r, r, h.Slice((t - 1) * r, r), ut, a);
            }
            ForwardStep(ws, scratch, b, t, fastWeights, gain, bias, hAll);
            if (t < steps - 1)
            {
                // A(t+1) = λ A(t) + η h(t+1) h(t+1)ᵀ
                FastWeightRnnMath.DecayAddOuter(fastWeights, r, ws.Lambda, ws.Eta, h.Slice(t * r, r));
            }
        }
    }

    /// <summary>
    /// Step t of example b from its saved pre-activation a: the inner loop h_0 = f(a), h_{s+1} = f(LN[a + A(t) h_s]),
    /// writing h(t+1) and saving h_s, n_s and 1/σ_s. <paramref name="fastWeights"/> is A(t) in the explicit form.
    /// </summary>
    private static void ForwardStep(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int b, int t, ReadOnlySpan<float> fastWeights,
        ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, Span<float> hAll)
    {
        int steps = ws.Steps, r = ws.Hidden, innerSteps = ws.InnerSteps;
        bool ln = ws.UseLayerNorm;
        var h = hAll.Slice(b * steps * r, steps * r);
        var a = ws.PreActivation.AsSpan(((b * steps) + t) * r, r);
        var ht = h.Slice(t * r, r);
        var norm = ln ? ws.Normalized.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r) : default;
        var rstd = ln ? ws.InverseStd.AsSpan(b * steps * innerSteps, steps * innerSteps) : default;
        if (!ws.UseFastWeights)
        {
            Activate(a, ln, gain, bias, norm, rstd, t, ht, r);
            return;
        }
        var inner = ws.InnerStates.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r);
        var z = scratch.Vector(VecZ);
        // h_0 = f(a)
        TensorPrimitives.Max(a, 0f, inner.Slice(t * innerSteps * r, r));
        for (int s = 0; s < innerSteps; s++)
        {
            int ts = (t * innerSteps) + s;
            var hs = inner.Slice(ts * r, r);
            var hNext = s == innerSteps - 1 ? ht : inner.Slice((ts + 1) * r, r);
            // z = a + A(t) h_s (A(0) = 0: z = a).
            if (t == 0)
            {
                Activate(a, ln, gain, bias, norm, rstd, ts, hNext, r);
                continue;
            }
            if (ws.Explicit)
            {
                MatrixVector.MultiplyAdd(fastWeights, r, r, hs, a, z);
            }
            else
            {
                // A(t) h_s = Σ_{j<t} c_j H_j (H_j · h_s), c_j = η λ^{t−1−j}, H_j = h(j+1): attention over the t
                // stored states, z = a + Σ_j c_j (H_j·h_s) H_j in one pass over H[0..t).
                a.CopyTo(z);
                FastWeightRnnMath.AttendForward(h[..(t * r)], t, r, ws.AttentionCoefficients.AsSpan(steps - t, t), hs, z);
            }
            Activate(z, ln, gain, bias, norm, rstd, ts, hNext, r);
        }
    }

    /// <summary>hOut = f(LN[z]) or f(z); saves n and 1/σ at slot <paramref name="slot"/>.</summary>
    private static void Activate(
        ReadOnlySpan<float> z, bool ln, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias,
        Span<float> norm, Span<float> rstd, int slot, Span<float> hOut, int r)
    {
        if (ln)
        {
            rstd[slot] = LayerNormKernel.FusedNormalizeRelu(z, gain, bias, LayerNormEpsilon, norm.Slice(slot * r, r), hOut);
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
        if (ln)
        {
            // The ReLU mask is applied inside the layer norm's first backward pass.
            LayerNormKernel.FusedReluBackward(d, hOut, norm.Slice(slot * r, r), rstd[slot], gain, dGain, dBias, dz);
        }
        else
        {
            FastWeightRnnMath.MaskByPositive(d, hOut, dz);
        }
    }

    /// <summary>
    /// Efficient form and the variants without fast weights: backward of the examples start..start+count−1 in
    /// lockstep, t = T−1..0. Writes da(b, t) for t ≥ 1 into row (b − start, t − 1) of <paramref name="rowGrad"/>
    /// (count·T rows; row (i, T−1) is zeroed) and accumulates dU, dg, dβ.
    /// </summary>
    private static void BackwardChunk(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int start, int count, Span<float> rowGrad,
        ReadOnlySpan<float> w, ReadOnlySpan<float> gain, ReadOnlySpan<float> h, ReadOnlySpan<float> dH,
        Span<float> dU, Span<float> dGain, Span<float> dBias)
    {
        int steps = ws.Steps, r = ws.Hidden, ld = steps * r;
        bool fast = ws.UseFastWeights;
        // dRec(i) = Wᵀ da(start + i, t+1): the gradient reaching h(t+1) through the next step's W h(t+1).
        var dRec = scratch.Recurrent.AsSpan(0, count * r);
        dRec.Clear();
        // memory(i) = dL/dh(τ) of example start + i through the attention of later steps, T·R each.
        var memory = fast ? scratch.MemoryGrad.AsSpan(0, count * ld) : default;
        memory.Clear();
        for (int i = 0; i < count && steps > 0; i++)
        {
            rowGrad.Slice(((i * steps) + steps - 1) * r, r).Clear();
        }
        var dh = scratch.Vector(VecDh);
        for (int t = steps - 1; t >= 0; t--)
        {
            for (int i = 0; i < count; i++)
            {
                int b = start + i, row = ((b * steps) + t) * r;
                // dL/dh(t+1) = dH(t) + Wᵀ da(t+1) (+ the memory of later steps).
                FastWeightRnnMath.Add3(dH.Slice(row, r), dRec.Slice(i * r, r), fast ? memory.Slice((i * ld) + (t * r), r) : default, dh);
                var da = t > 0 ? rowGrad.Slice(((i * steps) + t - 1) * r, r) : scratch.Vector(VecDa);
                BackwardStep(ws, scratch, b, t, dh, default, default, fast ? memory.Slice(i * ld, ld) : default, gain, h, dGain, dBias, da, dU.IsEmpty ? default : dU.Slice(row, r));
            }
            if (t > 0)
            {
                // a(t) = W h(t) + U(t): dh(t) = Wᵀ da(t) for the whole chunk, dRec[count×R] = da_t[count×R]·W.
                PackedPanelProduct.Multiply(count, r, r, rowGrad[((t - 1) * r)..], ld, ws.PackedWeights, false, dRec, r);
            }
        }
    }

    /// <summary>
    /// Explicit form: backward of one example, rebuilding A(t) from checkpoints. Writes da(t) for t ≥ 1 into row
    /// t − 1 of <paramref name="rowGrad"/> (T rows; row T−1 is zeroed) and accumulates dU, dg, dβ.
    /// </summary>
    private static void BackwardExample(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int b, Span<float> rowGrad,
        ReadOnlySpan<float> w, ReadOnlySpan<float> gain, ReadOnlySpan<float> hAll, ReadOnlySpan<float> dHAll,
        Span<float> dUAll, Span<float> dGain, Span<float> dBias)
    {
        int steps = ws.Steps, r = ws.Hidden;
        float eta = ws.Eta, lambda = ws.Lambda;
        var h = hAll.Slice(b * steps * r, steps * r);
        var dH = dHAll.Slice(b * steps * r, steps * r);
        var dU = dUAll.IsEmpty ? default : dUAll.Slice(b * steps * r, steps * r);
        var dh = scratch.Vector(VecDh);
        var dRec = scratch.Vector(VecRec);
        var tmp = scratch.Vector(VecTmp);
        dRec.Clear();
        if (steps > 0)
        {
            rowGrad.Slice((steps - 1) * r, r).Clear();
        }

        // A(t) is rebuilt from checkpoints A(kK) every K steps (K ≈ √T).
        int segLen = scratch.SegmentLength;
        var dA = scratch.FastWeightsGrad.AsSpan(0, r * r);
        dA.Clear();
        int loadedSegment = -1;
        BuildCheckpoints(scratch, h, steps, r, lambda, eta);

        for (int t = steps - 1; t >= 0; t--)
        {
            var ht = h.Slice(t * r, r);
            // dL/dh(t+1): output gradient + recurrence through W h(t+1).
            TensorPrimitives.Add(dH.Slice(t * r, r), dRec, dh);
            if (t < steps - 1)
            {
                // A(t+1) = λ A(t) + η h(t+1) h(t+1)ᵀ: dh(t+1) += η (dA + dAᵀ) h(t+1); dA(t) = λ dA(t+1).
                MatrixVector.MultiplyAdd(dA, r, r, ht, default, tmp);
                FastWeightRnnMath.AddMatTVec(dA, r, r, ht, 1f, tmp);
                MatrixVector.Axpy(eta, tmp, dh);
                TensorPrimitives.Multiply(dA, lambda, dA);
            }
            int segment = t / segLen;
            if (segment != loadedSegment)
            {
                LoadSegment(scratch, h, segment, steps, r, lambda, eta);
                loadedSegment = segment;
            }
            var fastWeights = scratch.Segment.AsSpan((t - (segment * segLen)) * r * r, r * r);
            var da = t > 0 ? rowGrad.Slice((t - 1) * r, r) : scratch.Vector(VecDa);
            BackwardStep(ws, scratch, b, t, dh, fastWeights, dA, default, gain, hAll, dGain, dBias, da, dU.IsEmpty ? default : dU.Slice(t * r, r));
            if (t > 0)
            {
                // a = W h(t) + U(t): dh(t) = Wᵀ da (dW from the rows of G after the loop).
                dRec.Clear();
                FastWeightRnnMath.AddMatTVec(w, r, r, da, 1f, dRec);
            }
        }
    }

    /// <summary>
    /// Backward of step t of example b given dh = dL/dh(t+1) (used as scratch): writes da = dL/da(t), accumulates
    /// dg, dβ, and, with fast weights, dA(t) (explicit form: <paramref name="fastWeights"/> = A(t)) or the memory
    /// gradient dL/dh(τ), τ ≤ t (efficient form, <paramref name="memoryGrad"/>, T·R); adds da into
    /// <paramref name="dUt"/> (dL/dU(t), unless empty).
    /// </summary>
    private static void BackwardStep(
        FastWeightRnnWorkspace ws, FastWeightRnnWorkspace.Scratch scratch, int b, int t, Span<float> dh,
        ReadOnlySpan<float> fastWeights, Span<float> dA, Span<float> memoryGrad,
        ReadOnlySpan<float> gain, ReadOnlySpan<float> hAll, Span<float> dGain, Span<float> dBias, Span<float> da, Span<float> dUt)
    {
        int steps = ws.Steps, r = ws.Hidden, innerSteps = ws.InnerSteps;
        bool ln = ws.UseLayerNorm;
        var h = hAll.Slice(b * steps * r, steps * r);
        var ht = h.Slice(t * r, r);
        var norm = ln ? ws.Normalized.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r) : default;
        var rstd = ln ? ws.InverseStd.AsSpan(b * steps * innerSteps, steps * innerSteps) : default;
        if (!ws.UseFastWeights)
        {
            ActivateBackward(dh, ht, ln, gain, norm, rstd, t, r, dGain, dBias, da);
            AddTo(dUt, da);
            return;
        }
        var inner = ws.InnerStates.AsSpan(b * steps * innerSteps * r, steps * innerSteps * r);
        var dzInner = scratch.Vector(VecZ);
        var dCur = dh;
        var dPrev = scratch.Vector(VecPrev);
        for (int s = innerSteps - 1; s >= 0; s--)
        {
            int ts = (t * innerSteps) + s;
            var hs = inner.Slice(ts * r, r);
            var hOut = s == innerSteps - 1 ? ht : inner.Slice((ts + 1) * r, r);
            // dz through f and LN; z = a + A(t) h_s, so da = Σ_s dz_s (+ the path through h_0 = f(a) below).
            var dz = s == innerSteps - 1 ? da : dzInner;
            ActivateBackward(dCur, hOut, ln, gain, norm, rstd, ts, r, dGain, dBias, dz);
            if (s != innerSteps - 1)
            {
                TensorPrimitives.Add(da, dz, da);
            }
            if (t == 0)
            {
                // A(0) = 0: z = a at every inner step, so h_0..h_{S−1} receive no gradient.
                AddTo(dUt, da);
                return;
            }
            if (ws.Explicit)
            {
                // dh_s = A(t)ᵀ dz = A(t) dz (A symmetric); dA(t) += dz h_sᵀ.
                MatrixVector.MultiplyAdd(fastWeights, r, r, dz, default, dPrev);
                FastWeightRnnMath.AddOuter(dA, r, r, dz, 1f, hs);
            }
            else
            {
                // term = Σ_j c_j H_j (H_j·h_s): with p_j = c_j (H_j·h_s), q_j = c_j (H_j·dz):
                // dh_s = Σ_j q_j H_j; dH_j += q_j h_s + p_j dz. One pass over H[0..t).
                FastWeightRnnMath.AttendBackward(h[..(t * r)], t, r, ws.AttentionCoefficients.AsSpan(steps - t, t), hs, dz, dPrev, memoryGrad[..(t * r)]);
            }
            // dPrev is dL/dh_s; continue the inner loop with it.
            var swap = dCur;
            dCur = dPrev;
            dPrev = swap;
        }
        // h_0 = f(a): f'(a) > 0 exactly where h_0 > 0; h_0 was just read by the attention backward (in cache), a was not.
        // One pass: da += dCur where h_0 > 0, then dU(t) += da.
        FastWeightRnnMath.AddMaskedByPositive(dCur, inner.Slice(t * innerSteps * r, r), da, dUt);
    }

    /// <summary>dest += x, unless dest is empty.</summary>
    private static void AddTo(Span<float> dest, ReadOnlySpan<float> x)
    {
        if (!dest.IsEmpty)
        {
            TensorPrimitives.Add(dest, x, dest);
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

    // An empty optional buffer passes.
    private static void CheckOptional(long actual, long expected, string name)
    {
        if (actual != 0)
        {
            CheckLength(actual, expected, name);
        }
    }

    private static void CheckLength(long actual, long expected, string name)
    {
        if (actual < expected)
        {
            throw new ArgumentException($"Buffer '{name}' has {actual} elements, the fast-weights RNN needs {expected}.", name);
        }
    }
}
