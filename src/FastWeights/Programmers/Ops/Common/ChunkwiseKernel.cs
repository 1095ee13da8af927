using FastWeights.Kernels;

namespace FastWeights.Programmers.Ops.Common;

/// <summary>
/// The chunkwise form of every rule (and, with one chunk of length T, the parallel form of linear/decay), forward and
/// hand-written backward. Within a chunk of L tokens with incoming state S (rows are tokens; Q, K: L×d_k; V: L×d_v),
/// with chunk-local log-decays γ_i = Σ_{j≤i} log α_j, g_i = e^{γ_i}, e_j = e^{γ_L − γ_j}:
/// <code>
/// U' = V                                                     (linear, decay)
/// U' = T (V − diag(g) K Sᵀ),  T = (I + A)⁻¹ diag(β),          (delta rules: WY / UT transform)
///      A_jl = β_j e^{γ_j − γ_l} k_j·k_l  for l &lt; j
/// O   = (M ⊙ Q Kᵀ) U' + diag(g) Q Sᵀ,   M_ij = e^{γ_i − γ_j} for j ≤ i, else 0
/// S'  = g_L S + U'ᵀ diag(e) K
/// </code>
/// (U' holds the "pseudo-values" u'_j = β_j (v_j − α_j S_{j−1} k_j) with S_j = g_j S + Σ_{l≤j} (g_j/g_l) u'_l k_lᵀ;
/// with W = T diag(g) K and U = T V, U' = U − W Sᵀ.) Only decay ratios ≤ 1 are ever exponentiated.
/// The forward pass saves each chunk's incoming state (and, for the delta rules, U' and W: as much memory as K and V);
/// the backward pass walks the chunks in reverse, recomputes the
/// chunk's intermediates and back-propagates through the equations above (derivation in docs/fast-weight-programmers.md).
/// </summary>
internal static class ChunkwiseKernel
{
    /// <summary>Smallest α used inside log α (α must be in (0, 1]).</summary>
    private const float MinAlpha = 1e-30f;

    /// <summary>Number of chunks of <paramref name="chunk"/> tokens covering <paramref name="steps"/>.</summary>
    public static int ChunkCount(int steps, int chunk) => (steps + chunk - 1) / chunk;

    /// <summary>Runs the chunkwise forward; saves each chunk's incoming state when <paramref name="save"/>.</summary>
    public static void Forward(FastWeightProblem p, FastWeightBuffers buf, int chunk, bool save)
    {
        int nChunks = ChunkCount(p.Steps, chunk);
        if (save)
        {
            buf.Saved = new float[(long)p.Sequences * nChunks * p.StateSize];
            if (p.Delta)
            {
                buf.SavedPseudoValues = new float[(long)p.Sequences * p.Steps * p.ValueDim];
                buf.SavedW = new float[(long)p.Sequences * p.Steps * p.KeyDim];
            }
        }
        int maxLen = Math.Min(chunk, Math.Max(1, p.Steps));
        FastWeightThreads.ForEach(p.Sequences, () => new ChunkWorkspace(p, maxLen, backward: false), (s, ws) =>
        {
            int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim, size = p.StateSize;
            var seq = new Sequence(p, buf, s);
            var state = buf.FinalState.Span.Slice(s * size, size);
            RecurrentKernel.LoadInitialState(buf, s, size, state);
            var saved = save ? buf.Saved.AsSpan(s * nChunks * size, nChunks * size) : default;
            var o = buf.Output.Span.Slice(s * T * dv, T * dv);
            for (int c = 0; c < nChunks; c++)
            {
                int t0 = c * chunk, len = Math.Min(chunk, T - t0);
                if (save)
                {
                    state.CopyTo(saved.Slice(c * size, size));
                }
                var ch = seq.Chunk(t0, len);
                Prepare(p, ch, state, ws, computePseudoValues: true);
                ReadOnlySpan<float> uPrime = p.Delta ? ws.U.AsSpan(0, len * dv) : ch.V;
                if (save && p.Delta)
                {
                    uPrime.CopyTo(buf.SavedPseudoValues.AsSpan((s * T * dv) + (t0 * dv), len * dv));
                    ws.W.AsSpan(0, len * dk).CopyTo(buf.SavedW.AsSpan((s * T * dk) + (t0 * dk), len * dk));
                }
                var oc = o.Slice(t0 * dv, len * dv);
                // O = P U' + diag(g) Q Sᵀ
                Gemm.Multiply(false, false, len, dv, len, 1f, ws.P, len, uPrime, dv, 0f, oc, dv);
                Gemm.Multiply(false, true, len, dv, dk, 1f, ws.QueryDecayed(p, ch), dk, state, dk, 1f, oc, dv);
                // S' = g_L S + U'ᵀ diag(e) K
                float gL = p.Gated ? ws.G[len - 1] : 1f;
                Gemm.Multiply(true, false, dv, dk, len, 1f, uPrime, dv, ws.KeyToEnd(p, ch), dk, gL, state, dk);
            }
        });
    }

    /// <summary>Accumulates the gradients of the last <see cref="Forward"/> (run with save = true) into the buffers.</summary>
    public static void Backward(FastWeightProblem p, FastWeightBuffers buf, int chunk)
    {
        int nChunks = ChunkCount(p.Steps, chunk);
        int maxLen = Math.Min(chunk, Math.Max(1, p.Steps));
        FastWeightThreads.ForEach(p.Sequences, () => new ChunkWorkspace(p, maxLen, backward: true),
            (s, ws) => BackwardSequence(p, buf, chunk, nChunks, s, ws));
    }

    private static void BackwardSequence(FastWeightProblem p, FastWeightBuffers buf, int chunk, int nChunks, int s, ChunkWorkspace ws)
    {
        int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim, size = p.StateSize;
        bool gated = p.Gated, delta = p.Delta;
        var seq = new Sequence(p, buf, s);
        var saved = buf.Saved.AsSpan(s * nChunks * size, nChunks * size);
        var dS = ws.StateGrad.AsSpan();
        var dSin = ws.StateGradIn.AsSpan();
        if (buf.FinalStateGrad.IsEmpty)
        {
            dS.Clear();
        }
        else
        {
            buf.FinalStateGrad.Span.Slice(s * size, size).CopyTo(dS);
        }
        var dOAll = buf.OutputGrad.IsEmpty ? default : buf.OutputGrad.Span.Slice(s * T * dv, T * dv);
        var dQAll = buf.QGrad.IsEmpty ? default : buf.QGrad.Span.Slice(s * T * dk, T * dk);
        var dKAll = buf.KGrad.IsEmpty ? default : buf.KGrad.Span.Slice(s * T * dk, T * dk);
        var dVAll = buf.VGrad.IsEmpty ? default : buf.VGrad.Span.Slice(s * T * dv, T * dv);
        var dAlphaAll = buf.AlphaGrad.IsEmpty ? default : buf.AlphaGrad.Span.Slice(s * T, T);
        var dBetaAll = buf.BetaGrad.IsEmpty ? default : buf.BetaGrad.Span.Slice(s * T, T);

        for (int c = nChunks - 1; c >= 0; c--)
        {
            int t0 = c * chunk, L = Math.Min(chunk, T - t0);
            var ch = seq.Chunk(t0, L);
            var sIn = saved.Slice(c * size, size);
            Prepare(p, ch, sIn, ws, computePseudoValues: false);
            ReadOnlySpan<float> uPrime = delta ? buf.SavedPseudoValues.AsSpan((s * T * dv) + (t0 * dv), L * dv) : ch.V;
            ReadOnlySpan<float> w = delta ? buf.SavedW.AsSpan((s * T * dk) + (t0 * dk), L * dk) : default;
            ReadOnlySpan<float> dO = dOAll.IsEmpty ? ws.ZeroOutputGrad.AsSpan(0, L * dv) : dOAll.Slice(t0 * dv, L * dv);
            var dgl = ws.LogDecayGrad.AsSpan(0, L);
            dgl.Clear();
            var gvec = ws.G.AsSpan(0, L);
            var evec = ws.E.AsSpan(0, L);
            float gL = gated ? gvec[L - 1] : 1f;
            var dU = ws.DU.AsSpan(0, L * dv);
            var dQ = ws.DQ.AsSpan(0, L * dk);
            var dK = ws.DK.AsSpan(0, L * dk);
            var tmp1 = ws.Tmp1.AsSpan(0, L * dk);
            var tmp2 = ws.Tmp2.AsSpan(0, L * dk);
            var P = ws.P.AsSpan(0, L * L);
            var dP = ws.DP.AsSpan(0, L * L);

            // (5) S' = g_L S + U'ᵀ diag(e) K
            TensorPrimitives.Multiply(dS, gL, dSin);
            if (gated)
            {
                dgl[L - 1] += gL * TensorPrimitives.Dot(dS, sIn);
            }
            Gemm.Multiply(false, true, L, dv, dk, 1f, ws.KeyToEnd(p, ch), dk, dS, dk, 0f, dU, dv);
            Gemm.Multiply(false, false, L, dk, dv, 1f, uPrime, dv, dS, dk, 0f, tmp1, dk);
            for (int j = 0; j < L; j++)
            {
                var row = tmp1.Slice(j * dk, dk);
                if (gated)
                {
                    float x = evec[j] * TensorPrimitives.Dot(row, ch.K.Slice(j * dk, dk));
                    dgl[L - 1] += x;
                    dgl[j] -= x;
                }
                TensorPrimitives.Multiply(row, gated ? evec[j] : 1f, dK.Slice(j * dk, dk));
            }

            // (4) O = P U' + diag(g) Q Sᵀ
            Gemm.Multiply(false, false, L, dk, dv, 1f, dO, dv, sIn, dk, 0f, tmp2, dk);
            Gemm.Multiply(true, false, dv, dk, L, 1f, dO, dv, ws.QueryDecayed(p, ch), dk, 1f, dSin, dk);
            for (int i = 0; i < L; i++)
            {
                var row = tmp2.Slice(i * dk, dk);
                if (gated)
                {
                    dgl[i] += gvec[i] * TensorPrimitives.Dot(row, ch.Q.Slice(i * dk, dk));
                }
                TensorPrimitives.Multiply(row, gated ? gvec[i] : 1f, dQ.Slice(i * dk, dk));
            }
            Gemm.Multiply(false, true, L, L, dv, 1f, dO, dv, uPrime, dv, 0f, dP, L);
            Gemm.Multiply(true, false, L, dv, L, 1f, P, L, dO, dv, 1f, dU, dv);

            // (3) P = M ⊙ Q Kᵀ: dR = dP ⊙ M; ∂γ_i += Σ_j dP_ij P_ij, ∂γ_j −= Σ_i dP_ij P_ij
            for (int i = 0; i < L; i++)
            {
                var dpRow = dP.Slice(i * L, L);
                var pRow = P.Slice(i * L, L);
                if (gated)
                {
                    for (int j = 0; j <= i; j++)
                    {
                        float x = dpRow[j] * pRow[j];
                        dgl[i] += x;
                        dgl[j] -= x;
                        dpRow[j] *= MathF.Exp(ws.LogDecay[i] - ws.LogDecay[j]);
                    }
                }
                dpRow[(i + 1)..].Clear();
            }
            Gemm.Multiply(false, false, L, dk, L, 1f, dP, L, ch.K, dk, 1f, dQ, dk);
            Gemm.Multiply(true, false, L, dk, L, 1f, dP, L, ch.Q, dk, 1f, dK, dk);

            if (delta)
            {
                BackwardDelta(p, ch, sIn, w, ws, L, dgl, dU, dK, dSin, dVAll.IsEmpty ? default : dVAll.Slice(t0 * dv, L * dv),
                    dBetaAll.IsEmpty ? default : dBetaAll.Slice(t0, L));
            }
            else if (!dVAll.IsEmpty)
            {
                var dv0 = dVAll.Slice(t0 * dv, L * dv);
                TensorPrimitives.Add(dv0, dU, dv0);
            }

            // (1) γ_i = Σ_{j≤i} log α_j: ∂log α_j = Σ_{i≥j} ∂γ_i, ∂α_j = ∂log α_j / α_j
            if (gated && !dAlphaAll.IsEmpty)
            {
                float acc = 0f;
                for (int j = L - 1; j >= 0; j--)
                {
                    acc += dgl[j];
                    dAlphaAll[t0 + j] += acc / Math.Max(ch.Alpha[j], MinAlpha);
                }
            }
            if (!dQAll.IsEmpty)
            {
                var d = dQAll.Slice(t0 * dk, L * dk);
                TensorPrimitives.Add(d, dQ, d);
            }
            if (!dKAll.IsEmpty)
            {
                var d = dKAll.Slice(t0 * dk, L * dk);
                TensorPrimitives.Add(d, dK, d);
            }
            dSin.CopyTo(dS);
        }
        if (!buf.InitialStateGrad.IsEmpty)
        {
            var dS0 = buf.InitialStateGrad.Span.Slice(s * size, size);
            TensorPrimitives.Add(dS0, dS, dS0);
        }
    }

    /// <summary>(2) Back-propagates ∂U' through U' = T V − W Sᵀ, W = T diag(g) K, T = (I + A)⁻¹ diag(β).</summary>
    private static void BackwardDelta(FastWeightProblem p, in ChunkView ch, ReadOnlySpan<float> sIn, ReadOnlySpan<float> w, ChunkWorkspace ws, int L,
        Span<float> dgl, ReadOnlySpan<float> dU, Span<float> dK, Span<float> dSin, Span<float> dV, Span<float> dBeta)
    {
        int dk = p.KeyDim, dv = p.ValueDim;
        bool gated = p.Gated;
        var dW = ws.Tmp1.AsSpan(0, L * dk);
        var dKg = ws.Tmp2.AsSpan(0, L * dk);
        var Tm = ws.Tm.AsSpan(0, L * L);
        var Ninv = ws.Ninv.AsSpan(0, L * L);
        var dT = ws.DT.AsSpan(0, L * L);
        var Y = ws.Y.AsSpan(0, L * L);
        var dA = ws.DA.AsSpan(0, L * L);
        var Gm = ws.Gm.AsSpan(0, L * L);
        var kg = ws.KeyDecayed(p, ch);
        var gvec = ws.G.AsSpan(0, L);

        // ∂W = −∂U' S;  ∂S += −∂U'ᵀ W;  ∂T = ∂U' Vᵀ + ∂W (diag(g) K)ᵀ;  ∂V += Tᵀ ∂U';  ∂(diag(g)K) = Tᵀ ∂W
        Gemm.Multiply(false, false, L, dk, dv, -1f, dU, dv, sIn, dk, 0f, dW, dk);
        Gemm.Multiply(true, false, dv, dk, L, -1f, dU, dv, w, dk, 1f, dSin, dk);
        Gemm.Multiply(false, true, L, L, dv, 1f, dU, dv, ch.V, dv, 0f, dT, L);
        Gemm.Multiply(false, true, L, L, dk, 1f, dW, dk, kg, dk, 1f, dT, L);
        if (!dV.IsEmpty)
        {
            Gemm.Multiply(true, false, L, dv, L, 1f, Tm, L, dU, dv, 1f, dV, dv);
        }
        Gemm.Multiply(true, false, L, dk, L, 1f, Tm, L, dW, dk, 0f, dKg, dk);
        for (int i = 0; i < L; i++)
        {
            var row = dKg.Slice(i * dk, dk);
            float gi = gated ? gvec[i] : 1f;
            if (gated)
            {
                dgl[i] += gi * TensorPrimitives.Dot(row, ch.K.Slice(i * dk, dk));
            }
            TensorPrimitives.MultiplyAdd(row, gi, dK.Slice(i * dk, dk), dK.Slice(i * dk, dk));
        }

        // T = N⁻¹ diag(β): ∂β_j += Σ_i N⁻¹_ij ∂T_ij;  ∂N⁻¹ = ∂T diag(β)
        var beta = ch.Beta;
        for (int i = 0; i < L; i++)
        {
            var dtRow = dT.Slice(i * L, L);
            var nRow = Ninv.Slice(i * L, L);
            for (int j = 0; j <= i; j++)
            {
                if (!dBeta.IsEmpty)
                {
                    dBeta[j] += nRow[j] * dtRow[j];
                }
            }
            TensorPrimitives.Multiply(dtRow, beta, dtRow);
        }
        // ∂A = −N⁻ᵀ ∂N⁻¹ N⁻ᵀ (strictly lower part)
        Gemm.Multiply(true, false, L, L, L, 1f, Ninv, L, dT, L, 0f, Y, L);
        Gemm.Multiply(false, true, L, L, L, -1f, Y, L, Ninv, L, 0f, dA, L);
        // A_jl = β_j Γ_jl (k_j·k_l): ∂β_j += Σ_l ∂A_jl Γ_jl G_jl;  ∂G_jl = β_j Γ_jl ∂A_jl;  ∂γ_j += x, ∂γ_l −= x, x = β_j ∂A_jl A'_jl
        for (int j = 0; j < L; j++)
        {
            var daRow = dA.Slice(j * L, L);
            var gmRow = Gm.Slice(j * L, L);
            float bj = beta[j];
            float accBeta = 0f;
            for (int l = 0; l < j; l++)
            {
                float gamma = gated ? MathF.Exp(ws.LogDecay[j] - ws.LogDecay[l]) : 1f;
                float bjl = gamma * gmRow[l];
                accBeta += daRow[l] * bjl;
                float dB = bj * daRow[l];
                if (gated)
                {
                    float x = dB * bjl;
                    dgl[j] += x;
                    dgl[l] -= x;
                }
                daRow[l] = dB * gamma;
            }
            if (!dBeta.IsEmpty)
            {
                dBeta[j] += accBeta;
            }
            daRow[j..].Clear();
        }
        // G = K Kᵀ: ∂K += (∂G + ∂Gᵀ) K
        for (int j = 0; j < L; j++)
        {
            for (int l = 0; l < L; l++)
            {
                Y[(j * L) + l] = dA[(j * L) + l] + dA[(l * L) + j];
            }
        }
        Gemm.Multiply(false, false, L, dk, L, 1f, Y, L, ch.K, dk, 1f, dK, dk);
    }

    /// <summary>
    /// Computes a chunk's intermediates for incoming state <paramref name="state"/>: γ, g, e, the decayed copies of Q and K,
    /// the masked decayed scores P = M ⊙ Q Kᵀ and, for the delta rules, K Kᵀ, A, N⁻¹ = (I + A)⁻¹, T and (when
    /// <paramref name="computePseudoValues"/>) W and U'.
    /// </summary>
    private static void Prepare(FastWeightProblem p, in ChunkView ch, ReadOnlySpan<float> state, ChunkWorkspace ws, bool computePseudoValues)
    {
        int L = ch.Length, dk = p.KeyDim, dv = p.ValueDim;
        bool gated = p.Gated;
        var gl = ws.LogDecay;
        if (gated)
        {
            float acc = 0f;
            for (int i = 0; i < L; i++)
            {
                acc += MathF.Log(Math.Max(ch.Alpha[i], MinAlpha));
                gl[i] = acc;
                ws.G[i] = MathF.Exp(acc);
            }
            for (int i = 0; i < L; i++)
            {
                ws.E[i] = MathF.Exp(gl[L - 1] - gl[i]);
                TensorPrimitives.Multiply(ch.Q.Slice(i * dk, dk), ws.G[i], ws.Qg.AsSpan(i * dk, dk));
                TensorPrimitives.Multiply(ch.K.Slice(i * dk, dk), ws.G[i], ws.Kg.AsSpan(i * dk, dk));
                TensorPrimitives.Multiply(ch.K.Slice(i * dk, dk), ws.E[i], ws.Kd.AsSpan(i * dk, dk));
            }
        }

        // P = M ⊙ Q Kᵀ
        var P = ws.P.AsSpan(0, L * L);
        Gemm.Multiply(false, true, L, L, dk, 1f, ch.Q, dk, ch.K, dk, 0f, P, L);
        for (int i = 0; i < L; i++)
        {
            var row = P.Slice(i * L, L);
            if (gated)
            {
                for (int j = 0; j <= i; j++)
                {
                    row[j] *= MathF.Exp(gl[i] - gl[j]);
                }
            }
            row[(i + 1)..].Clear();
        }

        if (!p.Delta)
        {
            return;
        }
        // N⁻¹ = (I + A)⁻¹ by forward substitution, A_il = β_i e^{γ_i − γ_l} k_i·k_l (l < i): row_i = e_i − Σ_{l<i} A_il row_l
        var Gm = ws.Gm.AsSpan(0, L * L);
        var Ninv = ws.Ninv.AsSpan(0, L * L);
        var Tm = ws.Tm.AsSpan(0, L * L);
        Gemm.Multiply(false, true, L, L, dk, 1f, ch.K, dk, ch.K, dk, 0f, Gm, L);
        var A = ws.A.AsSpan(0, L * L);
        for (int i = 0; i < L; i++)
        {
            var aRow = A.Slice(i * L, L);
            var gmRow = Gm.Slice(i * L, L);
            float bi = ch.Beta[i];
            for (int l = 0; l < i; l++)
            {
                aRow[l] = bi * gmRow[l] * (gated ? MathF.Exp(gl[i] - gl[l]) : 1f);
            }
            aRow[i..].Clear();
        }
        InvertUnitLower(A, Ninv, L, ws.InverseScratch);
        for (int i = 0; i < L; i++)
        {
            // T = N⁻¹ diag(β)
            TensorPrimitives.Multiply(Ninv.Slice(i * L, L), ch.Beta, Tm.Slice(i * L, L));
        }
        if (!computePseudoValues)
        {
            return;
        }
        // W = T diag(g) K;  U' = T V − W Sᵀ
        var W = ws.W.AsSpan(0, L * dk);
        var U = ws.U.AsSpan(0, L * dv);
        Gemm.Multiply(false, false, L, dk, L, 1f, Tm, L, ws.KeyDecayed(p, ch), dk, 0f, W, dk);
        Gemm.Multiply(false, false, L, dv, L, 1f, Tm, L, ch.V, dv, 0f, U, dv);
        Gemm.Multiply(false, true, L, dv, dk, -1f, W, dk, state, dk, 1f, U, dv);
    }

    /// <summary>Block size of <see cref="InvertUnitLower"/>.</summary>
    private const int InverseBlock = 16;

    /// <summary>
    /// N⁻¹ for N = I + A with A strictly lower triangular (L×L, row-major): blocks of rows at a time, the diagonal block by
    /// forward substitution, the blocks left of it by X_I,&lt;I = −N_II⁻¹ (A_I,&lt;I X_&lt;I,&lt;I) with two matrix products.
    /// </summary>
    internal static void InvertUnitLower(ReadOnlySpan<float> a, Span<float> ninv, int L, Span<float> scratch)
    {
        ninv[..(L * L)].Clear();
        for (int i0 = 0; i0 < L; i0 += InverseBlock)
        {
            int bs = Math.Min(InverseBlock, L - i0);
            for (int i = i0; i < i0 + bs; i++)
            {
                var row = ninv.Slice(i * L, L);
                row[i] = 1f;
                for (int l = i0; l < i; l++)
                {
                    float x = a[(i * L) + l];
                    if (x != 0f)
                    {
                        var dst = row[i0..(l + 1)];
                        TensorPrimitives.MultiplyAdd(ninv.Slice((l * L) + i0, l + 1 - i0), -x, dst, dst);
                    }
                }
            }
            if (i0 == 0)
            {
                continue;
            }
            Gemm.Multiply(false, false, bs, i0, i0, 1f, a[(i0 * L)..], L, ninv, L, 0f, scratch, i0);
            Gemm.Multiply(false, false, bs, i0, bs, -1f, ninv[((i0 * L) + i0)..], L, scratch, i0, 0f, ninv[(i0 * L)..], L);
        }
    }

    /// <summary>One sequence's inputs.</summary>
    private readonly ref struct Sequence(FastWeightProblem p, FastWeightBuffers buf, int s)
    {
        private readonly ReadOnlySpan<float> q = buf.Q.Span.Slice(s * p.Steps * p.KeyDim, p.Steps * p.KeyDim);
        private readonly ReadOnlySpan<float> k = buf.K.Span.Slice(s * p.Steps * p.KeyDim, p.Steps * p.KeyDim);
        private readonly ReadOnlySpan<float> v = buf.V.Span.Slice(s * p.Steps * p.ValueDim, p.Steps * p.ValueDim);
        private readonly ReadOnlySpan<float> alpha = p.Gated ? buf.Alpha.Span.Slice(s * p.Steps, p.Steps) : default;
        private readonly ReadOnlySpan<float> beta = p.Delta ? buf.Beta.Span.Slice(s * p.Steps, p.Steps) : default;
        private readonly int dk = p.KeyDim, dv = p.ValueDim;
        private readonly bool gated = p.Gated, delta = p.Delta;

        public ChunkView Chunk(int t0, int len) => new(
            len,
            q.Slice(t0 * dk, len * dk),
            k.Slice(t0 * dk, len * dk),
            v.Slice(t0 * dv, len * dv),
            gated ? alpha.Slice(t0, len) : default,
            delta ? beta.Slice(t0, len) : default);
    }

    /// <summary>One chunk's inputs.</summary>
    private readonly ref struct ChunkView(int length, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> alpha, ReadOnlySpan<float> beta)
    {
        public readonly int Length = length;
        public readonly ReadOnlySpan<float> Q = q, K = k, V = v, Alpha = alpha, Beta = beta;
    }

    /// <summary>Per-worker buffers sized for the largest chunk.</summary>
    private sealed class ChunkWorkspace
    {
        public ChunkWorkspace(FastWeightProblem p, int c, bool backward)
        {
            int dk = p.KeyDim, dv = p.ValueDim;
            // Only what the rule needs: the parallel form makes c = T, so the c×c buffers can be large.
            LogDecay = new float[c];
            G = new float[c];
            E = new float[c];
            P = new float[c * c];
            if (p.Gated)
            {
                Qg = new float[c * dk];
                Kg = new float[c * dk];
                Kd = new float[c * dk];
            }
            if (p.Delta)
            {
                W = new float[c * dk];
                U = new float[c * dv];
                Gm = new float[c * c];
                Ninv = new float[c * c];
                Tm = new float[c * c];
                A = new float[c * c];
                InverseScratch = new float[c * c];
            }
            if (backward)
            {
                LogDecayGrad = new float[c];
                Tmp1 = new float[c * dk];
                Tmp2 = new float[c * dk];
                DQ = new float[c * dk];
                DK = new float[c * dk];
                DU = new float[c * dv];
                ZeroOutputGrad = new float[c * dv];
                DP = new float[c * c];
                StateGrad = new float[dk * dv];
                StateGradIn = new float[dk * dv];
                if (p.Delta)
                {
                    DT = new float[c * c];
                    Y = new float[c * c];
                    DA = new float[c * c];
                }
            }
        }

        public readonly float[] LogDecay, G, E, P;
        public readonly float[] Qg = [], Kg = [], Kd = [], W = [], U = [], Gm = [], Ninv = [], Tm = [], A = [], InverseScratch = [];
        public readonly float[] LogDecayGrad = [], Tmp1 = [], Tmp2 = [], DQ = [], DK = [], DU = [], ZeroOutputGrad = [];
        public readonly float[] DP = [], DT = [], Y = [], DA = [], StateGrad = [], StateGradIn = [];

        /// <summary>diag(g) Q (Q itself when not gated).</summary>
        public ReadOnlySpan<float> QueryDecayed(FastWeightProblem p, in ChunkView ch) => p.Gated ? Qg.AsSpan(0, ch.Length * p.KeyDim) : ch.Q;

        /// <summary>diag(g) K (K itself when not gated).</summary>
        public ReadOnlySpan<float> KeyDecayed(FastWeightProblem p, in ChunkView ch) => p.Gated ? Kg.AsSpan(0, ch.Length * p.KeyDim) : ch.K;

        /// <summary>diag(e) K, e_j = g_L / g_j (K itself when not gated).</summary>
        public ReadOnlySpan<float> KeyToEnd(FastWeightProblem p, in ChunkView ch) => p.Gated ? Kd.AsSpan(0, ch.Length * p.KeyDim) : ch.K;
    }
}
