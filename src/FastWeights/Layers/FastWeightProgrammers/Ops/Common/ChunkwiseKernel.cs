using System.Buffers;
using FastWeights.Kernels;

namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>
/// The chunkwise form of every rule (and, with one chunk of length T, the parallel form of linear/decay), forward and
/// hand-written backward. Within a chunk of L tokens with incoming state S (rows are tokens; Q, K: L×d_k; V: L×d_v),
/// with chunk-local log-decays γ_i = Σ_{j≤i} log α_j, g_i = e^{γ_i}, e_j = e^{γ_L − γ_j}:
/// <code>
/// U' = V                                                     (linear, decay)
/// R  = V − diag(g) K Sᵀ,  U' = N⁻¹ diag(β) R,  N = I + A,    (delta rules: UT transform)
///      A_jl = β_j e^{γ_j − γ_l} k_j·k_l  for l &lt; j
/// O   = (M ⊙ Q Kᵀ) U' + diag(g) Q Sᵀ,   M_ij = e^{γ_i − γ_j} for j ≤ i, else 0
/// S'  = g_L S + U'ᵀ diag(e) K
/// </code>
/// (U' holds the "pseudo-values" u'_j = β_j (v_j − α_j S_{j−1} k_j) with S_j = g_j S + Σ_{l≤j} (g_j/g_l) u'_l k_lᵀ.)
/// Only decay ratios ≤ 1 are ever exponentiated. The products run through <see cref="ChunkProducts"/>, which skips the
/// zero triangles of P = M ⊙ Q Kᵀ, N⁻¹ and their gradients.
/// The forward pass saves each chunk's incoming state and, for the delta rules, P, N⁻¹, Γ ⊙ K Kᵀ, R and U' (rented
/// from the shared array pool, returned by the backward pass); the backward pass walks the chunks in reverse and
/// back-propagates through the equations above (derivation in docs/fast-weight-programmers.md). Linear/decay recompute P.
/// </summary>
internal static class ChunkwiseKernel
{
    /// <summary>Smallest α used inside log α (α must be in (0, 1]).</summary>
    private const float MinAlpha = 1e-30f;

    /// <summary>Number of chunks of <paramref name="chunk"/> tokens covering <paramref name="steps"/>.</summary>
    public static int ChunkCount(int steps, int chunk) => (steps + chunk - 1) / chunk;

    /// <summary>Runs the chunkwise forward; saves what the backward pass needs when <paramref name="save"/>.</summary>
    public static void Forward<TRule>(FastWeightProblem p, FastWeightBuffers buf, int chunk, bool save)
        where TRule : struct, IFastWeightRule
    {
        int nChunks = ChunkCount(p.Steps, chunk);
        int maxLen = Math.Min(chunk, Math.Max(1, p.Steps));
        int slot = maxLen * maxLen;
        if (save)
        {
            buf.Saved = Rent((long)p.Sequences * nChunks * p.StateSize);
            if (TRule.IsDelta)
            {
                buf.SavedPseudoValues = Rent((long)p.Sequences * p.Steps * p.ValueDim);
                buf.SavedResidual = Rent((long)p.Sequences * p.Steps * p.ValueDim);
                buf.SavedScores = Rent((long)p.Sequences * nChunks * slot);
                buf.SavedInverse = Rent((long)p.Sequences * nChunks * slot);
                buf.SavedGram = Rent((long)p.Sequences * nChunks * slot);
            }
        }
        KernelThreads.ForEach(p.Sequences, () => new ChunkWorkspace(p, maxLen, backward: false), (s, ws) =>
        {
            int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim, size = p.StateSize;
            bool keep = save && TRule.IsDelta;
            var seq = SequenceInputs.Of<TRule>(p, buf, s);
            var state = buf.FinalState.Span.Slice(s * size, size);
            buf.LoadInitialState(s, state);
            var saved = save ? buf.Saved.AsSpan(s * nChunks * size, nChunks * size) : default;
            var o = buf.Output.Span.Slice(s * T * dv, T * dv);
            var st = ws.St.AsSpan(0, size);
            for (int c = 0; c < nChunks; c++)
            {
                int t0 = c * chunk, len = Math.Min(chunk, T - t0);
                int m = (s * nChunks * slot) + (c * slot);
                if (save)
                {
                    state.CopyTo(saved.Slice(c * size, size));
                }
                var ch = seq.Tokens(t0, len);
                PrepareDecays<TRule>(p, ch, ws);
                var P = keep ? buf.SavedScores.AsSpan(m, len * len) : ws.P.AsSpan(0, len * len);
                Scores<TRule>(p, ch, ws, P);
                // Sᵀ (d_k × d_v) as the right operand of the products with S
                ChunkProducts.Transpose(state, dv, dk, dk, st, dv);
                ReadOnlySpan<float> uPrime = ch.V;
                if (TRule.IsDelta)
                {
                    var ninv = keep ? buf.SavedInverse.AsSpan(m, len * len) : ws.Ninv.AsSpan(0, len * len);
                    var gram = keep ? buf.SavedGram.AsSpan(m, len * len) : ws.Gm.AsSpan(0, len * len);
                    Inverse<TRule>(ch, ws, gram, ninv);
                    // R = V − diag(g) K Sᵀ;  U' = N⁻¹ diag(β) R
                    int at = (s * T * dv) + (t0 * dv);
                    var r = keep ? buf.SavedResidual.AsSpan(at, len * dv) : ws.R.AsSpan(0, len * dv);
                    var u = keep ? buf.SavedPseudoValues.AsSpan(at, len * dv) : ws.U.AsSpan(0, len * dv);
                    ch.V.CopyTo(r);
                    ChunkProducts.Multiply(false, len, dv, dk, -1f, ws.KeyDecayed<TRule>(p, ch), dk, st, dv, 1f, r, dv);
                    var rb = ws.Rb.AsSpan(0, len * dv);
                    ScaleRows(r, ch.Beta, rb, dv);
                    ChunkProducts.Multiply(false, len, dv, len, 1f, ninv, len, rb, dv, 0f, u, dv, aShape: Triangle.Lower);
                    uPrime = u;
                }
                var oc = o.Slice(t0 * dv, len * dv);
                // O = diag(g) Q Sᵀ + P U'
                ChunkProducts.Multiply(false, len, dv, dk, 1f, ws.QueryDecayed<TRule>(p, ch), dk, st, dv, 0f, oc, dv);
                ChunkProducts.Multiply(false, len, dv, len, 1f, P, len, uPrime, dv, 1f, oc, dv, aShape: Triangle.Lower);
                // S' = g_L S + U'ᵀ diag(e) K
                float gL = TRule.HasDecay ? ws.G[len - 1] : 1f;
                ChunkProducts.Multiply(true, dv, dk, len, 1f, uPrime, dv, ws.KeyToEnd<TRule>(p, ch), dk, gL, state, dk);
            }
        });
    }

    /// <summary>Accumulates the gradients of the last <see cref="Forward"/> (run with save = true) into the buffers.</summary>
    public static void Backward<TRule>(FastWeightProblem p, FastWeightBuffers buf, int chunk)
        where TRule : struct, IFastWeightRule
    {
        int nChunks = ChunkCount(p.Steps, chunk);
        int maxLen = Math.Min(chunk, Math.Max(1, p.Steps));
        KernelThreads.ForEach(p.Sequences, () => new ChunkWorkspace(p, maxLen, backward: true),
            (s, ws) => BackwardSequence<TRule>(p, buf, chunk, nChunks, maxLen, s, ws));
    }

    /// <summary>Returns the saved arrays of <paramref name="buf"/> to the pool.</summary>
    public static void Release(FastWeightBuffers buf)
    {
        Return(ref buf.Saved);
        Return(ref buf.SavedPseudoValues);
        Return(ref buf.SavedResidual);
        Return(ref buf.SavedScores);
        Return(ref buf.SavedInverse);
        Return(ref buf.SavedGram);
    }

    private static float[] Rent(long length) => ArrayPool<float>.Shared.Rent(checked((int)length));

    private static void Return(ref float[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<float>.Shared.Return(array);
        }
        array = [];
    }

    private static void BackwardSequence<TRule>(FastWeightProblem p, FastWeightBuffers buf, int chunk, int nChunks, int maxLen, int s, ChunkWorkspace ws)
        where TRule : struct, IFastWeightRule
    {
        int T = p.Steps, dk = p.KeyDim, dv = p.ValueDim, size = p.StateSize, slot = maxLen * maxLen;
        var seq = SequenceInputs.Of<TRule>(p, buf, s);
        var saved = buf.Saved.AsSpan(s * nChunks * size, nChunks * size);
        var dS = ws.StateGrad.AsSpan();
        var dSin = ws.StateGradIn.AsSpan();
        var dSt = ws.St.AsSpan(0, size);
        buf.LoadFinalStateGrad(s, dS);
        var (dOAll, dQAll, dKAll, dVAll, dAlphaAll, dBetaAll) = new SequenceGrads(p, buf, s);

        for (int c = nChunks - 1; c >= 0; c--)
        {
            int t0 = c * chunk, L = Math.Min(chunk, T - t0);
            int m = (s * nChunks * slot) + (c * slot);
            var ch = seq.Tokens(t0, L);
            var sIn = saved.Slice(c * size, size);
            PrepareDecays<TRule>(p, ch, ws);
            ReadOnlySpan<float> P;
            if (TRule.IsDelta)
            {
                P = buf.SavedScores.AsSpan(m, L * L);
            }
            else
            {
                Scores<TRule>(p, ch, ws, ws.P.AsSpan(0, L * L));
                P = ws.P.AsSpan(0, L * L);
            }
            ReadOnlySpan<float> uPrime = TRule.IsDelta ? buf.SavedPseudoValues.AsSpan((s * T * dv) + (t0 * dv), L * dv) : ch.V;
            ReadOnlySpan<float> dO = dOAll.IsEmpty ? ws.ZeroOutputGrad.AsSpan(0, L * dv) : dOAll.Slice(t0 * dv, L * dv);
            var dgl = ws.LogDecayGrad.AsSpan(0, L);
            dgl.Clear();
            var colAcc = ws.ColumnSums.AsSpan(0, L);
            colAcc.Clear();
            var gvec = ws.G.AsSpan(0, L);
            var evec = ws.E.AsSpan(0, L);
            float gL = TRule.HasDecay ? gvec[L - 1] : 1f;
            var dU = ws.DU.AsSpan(0, L * dv);
            // Gradients accumulate straight into the callers' buffers (or into cleared scratch when not wanted).
            var dQ = dQAll.IsEmpty ? ws.DQ.AsSpan(0, L * dk) : dQAll.Slice(t0 * dk, L * dk);
            var dK = dKAll.IsEmpty ? ws.DK.AsSpan(0, L * dk) : dKAll.Slice(t0 * dk, L * dk);
            if (dQAll.IsEmpty)
            {
                dQ.Clear();
            }
            if (dKAll.IsEmpty)
            {
                dK.Clear();
            }
            var tmp1 = ws.Tmp1.AsSpan(0, L * dk);
            var tmp2 = ws.Tmp2.AsSpan(0, L * dk);
            var dP = ws.DP.AsSpan(0, L * L);
            var row = ws.Row.AsSpan(0, L);

            // (5) S' = g_L S + U'ᵀ diag(e) K
            TensorPrimitives.Multiply(dS, gL, dSin);
            if (TRule.HasDecay)
            {
                dgl[L - 1] += gL * TensorPrimitives.Dot(dS, sIn);
            }
            ChunkProducts.Transpose(dS, dv, dk, dk, dSt, dv);
            ChunkProducts.Multiply(false, L, dv, dk, 1f, ws.KeyToEnd<TRule>(p, ch), dk, dSt, dv, 0f, dU, dv);
            ChunkProducts.Multiply(false, L, dk, dv, 1f, uPrime, dv, dS, dk, TRule.HasDecay ? 0f : 1f, TRule.HasDecay ? tmp1 : dK, dk);
            for (int j = 0; TRule.HasDecay && j < L; j++)
            {
                var r = tmp1.Slice(j * dk, dk);
                float x = evec[j] * TensorPrimitives.Dot(r, ch.K.Slice(j * dk, dk));
                dgl[L - 1] += x;
                dgl[j] -= x;
                TensorPrimitives.MultiplyAdd(r, evec[j], dK.Slice(j * dk, dk), dK.Slice(j * dk, dk));
            }

            // (4) O = P U' + diag(g) Q Sᵀ
            ChunkProducts.Multiply(false, L, dk, dv, 1f, dO, dv, sIn, dk, TRule.HasDecay ? 0f : 1f, TRule.HasDecay ? tmp2 : dQ, dk);
            ChunkProducts.Multiply(true, dv, dk, L, 1f, dO, dv, ws.QueryDecayed<TRule>(p, ch), dk, 1f, dSin, dk);
            for (int i = 0; TRule.HasDecay && i < L; i++)
            {
                var r = tmp2.Slice(i * dk, dk);
                dgl[i] += gvec[i] * TensorPrimitives.Dot(r, ch.Q.Slice(i * dk, dk));
                TensorPrimitives.MultiplyAdd(r, gvec[i], dQ.Slice(i * dk, dk), dQ.Slice(i * dk, dk));
            }
            var ut = ws.Ut.AsSpan(0, dv * L);
            ChunkProducts.Transpose(uPrime, L, dv, dv, ut, L);
            ChunkProducts.Multiply(false, L, L, dv, 1f, dO, dv, ut, L, 0f, dP, L, lowerOnly: true);
            ChunkProducts.Multiply(true, L, dv, L, 1f, P, L, dO, dv, 1f, dU, dv, aShape: Triangle.Upper);

            // (3) P = M ⊙ Q Kᵀ: dR = dP ⊙ M; ∂γ_i += Σ_j dP_ij P_ij, ∂γ_j −= Σ_i dP_ij P_ij
            if (TRule.HasDecay)
            {
                for (int i = 0; i < L; i++)
                {
                    var dpRow = dP.Slice(i * L, i + 1);
                    var x = row[..(i + 1)];
                    TensorPrimitives.Multiply(dpRow, P.Slice(i * L, i + 1), x);
                    dgl[i] += TensorPrimitives.Sum(x);
                    TensorPrimitives.Add(colAcc[..(i + 1)], x, colAcc[..(i + 1)]);
                    TensorPrimitives.Multiply(dpRow, ws.Decay.AsSpan(i * L, i + 1), dpRow);
                }
            }
            ChunkProducts.Multiply(false, L, dk, L, 1f, dP, L, ch.K, dk, 1f, dQ, dk, aShape: Triangle.Lower);
            ChunkProducts.Multiply(true, L, dk, L, 1f, dP, L, ch.Q, dk, 1f, dK, dk, aShape: Triangle.Upper);

            if (TRule.IsDelta)
            {
                BackwardDelta<TRule>(p, ch, sIn, buf.SavedResidual.AsSpan((s * T * dv) + (t0 * dv), L * dv), buf.SavedInverse.AsSpan(m, L * L),
                    buf.SavedGram.AsSpan(m, L * L), ws, L, dgl, colAcc, dU, dK, dSin, dVAll.IsEmpty ? default : dVAll.Slice(t0 * dv, L * dv),
                    dBetaAll.IsEmpty ? default : dBetaAll.Slice(t0, L));
            }
            else if (!dVAll.IsEmpty)
            {
                var dv0 = dVAll.Slice(t0 * dv, L * dv);
                TensorPrimitives.Add(dv0, dU, dv0);
            }

            // (1) γ_i = Σ_{j≤i} log α_j: ∂log α_j = Σ_{i≥j} ∂γ_i, ∂α_j = ∂log α_j / α_j
            if (TRule.HasDecay && !dAlphaAll.IsEmpty)
            {
                TensorPrimitives.Subtract(dgl, colAcc, dgl);
                float acc = 0f;
                for (int j = L - 1; j >= 0; j--)
                {
                    acc += dgl[j];
                    dAlphaAll[t0 + j] += acc / Math.Max(ch.Alpha[j], MinAlpha);
                }
            }
            dSin.CopyTo(dS);
        }
        buf.AddInitialStateGrad(s, dS);
    }

    /// <summary>
    /// (2) Back-propagates ∂U' through U' = N⁻¹ R_β, R_β = diag(β) R, R = V − diag(g) K Sᵀ, N = I + A,
    /// A = diag(β) (Γ ⊙ K Kᵀ) strictly lower (<paramref name="gram"/> holds Γ ⊙ K Kᵀ). ∂γ_l −= terms go to
    /// <paramref name="colAcc"/>.
    /// </summary>
    private static void BackwardDelta<TRule>(FastWeightProblem p, in SequenceInputs ch, ReadOnlySpan<float> sIn, ReadOnlySpan<float> r,
        ReadOnlySpan<float> ninv, ReadOnlySpan<float> gram, ChunkWorkspace ws, int L, Span<float> dgl, Span<float> colAcc,
        ReadOnlySpan<float> dU, Span<float> dK, Span<float> dSin, Span<float> dV, Span<float> dBeta)
        where TRule : struct, IFastWeightRule
    {
        int dk = p.KeyDim, dv = p.ValueDim;
        var beta = ch.Beta;
        var gvec = ws.G.AsSpan(0, L);
        var dR = ws.DR.AsSpan(0, L * dv);
        var rb = ws.Rb.AsSpan(0, L * dv);
        var rbt = ws.Ut.AsSpan(0, dv * L);
        var dNinv = ws.DP.AsSpan(0, L * L);
        var Y = ws.Y.AsSpan(0, L * L);
        var ninvT = ws.NinvT.AsSpan(0, L * L);
        var dA = ws.DA.AsSpan(0, L * L);
        var dKg = ws.Tmp1.AsSpan(0, L * dk);
        var row = ws.Row.AsSpan(0, L);

        // U' = N⁻¹ R_β: ∂R_β = N⁻ᵀ ∂U';  ∂N⁻¹ = tril(∂U' R_βᵀ) (N⁻¹ is lower triangular)
        ChunkProducts.Multiply(true, L, dv, L, 1f, ninv, L, dU, dv, 0f, dR, dv, aShape: Triangle.Upper);
        ScaleRows(r, beta, rb, dv);
        ChunkProducts.Transpose(rb, L, dv, dv, rbt, L);
        ChunkProducts.Multiply(false, L, L, dv, 1f, dU, dv, rbt, L, 0f, dNinv, L, lowerOnly: true);
        // R_β = diag(β) R: ∂β_j += R_j·∂R_β,j;  ∂R = diag(β) ∂R_β;  ∂V += ∂R
        for (int j = 0; j < L; j++)
        {
            var d = dR.Slice(j * dv, dv);
            if (!dBeta.IsEmpty)
            {
                dBeta[j] += TensorPrimitives.Dot(r.Slice(j * dv, dv), d);
            }
            TensorPrimitives.Multiply(d, beta[j], d);
        }
        if (!dV.IsEmpty)
        {
            TensorPrimitives.Add(dV, dR, dV);
        }
        // R = V − diag(g) K Sᵀ: ∂(diag(g) K) = −∂R S;  ∂S −= ∂Rᵀ diag(g) K
        ChunkProducts.Multiply(false, L, dk, dv, -1f, dR, dv, sIn, dk, TRule.HasDecay ? 0f : 1f, TRule.HasDecay ? dKg : dK, dk);
        ChunkProducts.Multiply(true, dv, dk, L, -1f, dR, dv, ws.KeyDecayed<TRule>(p, ch), dk, 1f, dSin, dk);
        for (int i = 0; TRule.HasDecay && i < L; i++)
        {
            var d = dKg.Slice(i * dk, dk);
            float gi = gvec[i];
            dgl[i] += gi * TensorPrimitives.Dot(d, ch.K.Slice(i * dk, dk));
            TensorPrimitives.MultiplyAdd(d, gi, dK.Slice(i * dk, dk), dK.Slice(i * dk, dk));
        }

        // ∂A = −N⁻ᵀ ∂N⁻¹ N⁻ᵀ (strictly lower part)
        ChunkProducts.Multiply(true, L, L, L, 1f, ninv, L, dNinv, L, 0f, Y, L, aShape: Triangle.Upper, bShape: Triangle.Lower);
        ChunkProducts.Transpose(ninv, L, L, L, ninvT, L);
        ChunkProducts.Multiply(false, L, L, L, -1f, Y, L, ninvT, L, 0f, dA, L, bShape: Triangle.Upper, lowerOnly: true);
        // A_jl = β_j B_jl, B = Γ ⊙ K Kᵀ: ∂β_j += Σ_l ∂A_jl B_jl;  with x = β_j ∂A_jl B_jl: ∂γ_j += x, ∂γ_l −= x;
        // ∂(K Kᵀ)_jl = β_j Γ_jl ∂A_jl
        for (int j = 0; j < L; j++)
        {
            var daRow = dA.Slice(j * L, j);
            var x = row[..j];
            TensorPrimitives.Multiply(daRow, gram.Slice(j * L, j), x);
            float sum = TensorPrimitives.Sum(x);
            if (!dBeta.IsEmpty)
            {
                dBeta[j] += sum;
            }
            if (TRule.HasDecay)
            {
                dgl[j] += beta[j] * sum;
                TensorPrimitives.MultiplyAdd(x, beta[j], colAcc[..j], colAcc[..j]);
                TensorPrimitives.Multiply(daRow, ws.Decay.AsSpan(j * L, j), daRow);
            }
            TensorPrimitives.Multiply(daRow, beta[j], daRow);
            dA.Slice((j * L) + j, L - j).Clear();
        }
        // G = K Kᵀ: ∂K += (∂G + ∂Gᵀ) K
        ChunkProducts.Multiply(false, L, dk, L, 1f, dA, L, ch.K, dk, 1f, dK, dk, aShape: Triangle.Lower);
        ChunkProducts.Multiply(true, L, dk, L, 1f, dA, L, ch.K, dk, 1f, dK, dk, aShape: Triangle.Upper);
    }

    /// <summary>γ, g, e, Γ_ij = e^{γ_i − γ_j} (j ≤ i) and the decayed copies of Q and K of a chunk (gated rules only).</summary>
    private static void PrepareDecays<TRule>(FastWeightProblem p, in SequenceInputs ch, ChunkWorkspace ws)
        where TRule : struct, IFastWeightRule
    {
        if (!TRule.HasDecay)
        {
            return;
        }
        int L = ch.Length, dk = p.KeyDim;
        var gl = ws.LogDecay;
        var neg = ws.NegLogDecay;
        float acc = 0f;
        for (int i = 0; i < L; i++)
        {
            acc += MathF.Log(Math.Max(ch.Alpha[i], MinAlpha));
            gl[i] = acc;
            neg[i] = -acc;
            ws.G[i] = MathF.Exp(acc);
        }
        for (int i = 0; i < L; i++)
        {
            ws.E[i] = MathF.Exp(gl[L - 1] - gl[i]);
            TensorPrimitives.Multiply(ch.Q.Slice(i * dk, dk), ws.G[i], ws.Qg.AsSpan(i * dk, dk));
            TensorPrimitives.Multiply(ch.K.Slice(i * dk, dk), ws.G[i], ws.Kg.AsSpan(i * dk, dk));
            TensorPrimitives.Multiply(ch.K.Slice(i * dk, dk), ws.E[i], ws.Kd.AsSpan(i * dk, dk));
            var decayRow = ws.Decay.AsSpan(i * L, i + 1);
            TensorPrimitives.Add(neg.AsSpan(0, i + 1), gl[i], decayRow);
            TensorPrimitives.Exp(decayRow, decayRow);
        }
    }

    /// <summary>P = M ⊙ Q Kᵀ (zero above the diagonal); leaves Kᵀ in the workspace.</summary>
    private static void Scores<TRule>(FastWeightProblem p, in SequenceInputs ch, ChunkWorkspace ws, Span<float> P)
        where TRule : struct, IFastWeightRule
    {
        int L = ch.Length, dk = p.KeyDim;
        var kt = ws.Kt.AsSpan(0, dk * L);
        ChunkProducts.Transpose(ch.K, L, dk, dk, kt, L);
        ChunkProducts.Multiply(false, L, L, dk, 1f, ch.Q, dk, kt, L, 0f, P, L, lowerOnly: true);
        if (TRule.HasDecay)
        {
            for (int i = 0; i < L; i++)
            {
                var r = P.Slice(i * L, i + 1);
                TensorPrimitives.Multiply(r, ws.Decay.AsSpan(i * L, i + 1), r);
            }
        }
    }

    /// <summary>
    /// Delta rules, after <see cref="Scores"/>: <paramref name="gram"/> = Γ ⊙ K Kᵀ (strictly lower, zero elsewhere),
    /// A = diag(β) gram and <paramref name="ninv"/> = (I + A)⁻¹.
    /// </summary>
    private static void Inverse<TRule>(in SequenceInputs ch, ChunkWorkspace ws, Span<float> gram, Span<float> ninv)
        where TRule : struct, IFastWeightRule
    {
        int L = ch.Length, dk = ch.K.Length / Math.Max(1, L);
        var kt = ws.Kt.AsSpan(0, dk * L);
        ChunkProducts.Multiply(false, L, L, dk, 1f, ch.K, dk, kt, L, 0f, gram, L, lowerOnly: true);
        var A = ws.A.AsSpan(0, L * L);
        for (int i = 0; i < L; i++)
        {
            var gRow = gram.Slice(i * L, i);
            if (TRule.HasDecay)
            {
                TensorPrimitives.Multiply(gRow, ws.Decay.AsSpan(i * L, i), gRow);
            }
            gram[(i * L) + i] = 0f;
            TensorPrimitives.Multiply(gram.Slice(i * L, L), ch.Beta[i], A.Slice(i * L, L));
        }
        InvertUnitLower(A, ninv, L);
    }

    /// <summary>dst row i = scale_i · src row i (rows of <paramref name="cols"/>).</summary>
    private static void ScaleRows(ReadOnlySpan<float> src, ReadOnlySpan<float> scale, Span<float> dst, int cols)
    {
        for (int i = 0; i < scale.Length; i++)
        {
            TensorPrimitives.Multiply(src.Slice(i * cols, cols), scale[i], dst.Slice(i * cols, cols));
        }
    }

    /// <summary>N⁻¹ for N = I + A with A strictly lower triangular (L×L, row-major); see <see cref="ChunkProducts.InvertUnitLower"/>.</summary>
    internal static void InvertUnitLower(ReadOnlySpan<float> a, Span<float> ninv, int L) => ChunkProducts.InvertUnitLower(a, ninv, L);

    /// <summary>Per-worker buffers sized for the largest chunk.</summary>
    private sealed class ChunkWorkspace
    {
        public ChunkWorkspace(FastWeightProblem p, int c, bool backward)
        {
            int dk = p.KeyDim, dv = p.ValueDim;
            bool delta = p.Rule.IsDelta(), decay = p.Rule.HasDecay();
            // Only what the rule needs: the parallel form makes c = T, so the c×c buffers can be large.
            LogDecay = new float[c];
            NegLogDecay = new float[c];
            G = new float[c];
            E = new float[c];
            Kt = new float[c * dk];
            St = new float[dk * dv];
            if (!backward || !delta)
            {
                P = new float[c * c];
            }
            if (decay)
            {
                Qg = new float[c * dk];
                Kg = new float[c * dk];
                Kd = new float[c * dk];
                Decay = new float[c * c];
            }
            if (delta)
            {
                Rb = new float[c * dv];
                if (!backward)
                {
                    U = new float[c * dv];
                    R = new float[c * dv];
                    Gm = new float[c * c];
                    Ninv = new float[c * c];
                    A = new float[c * c];
                }
            }
            if (backward)
            {
                LogDecayGrad = new float[c];
                ColumnSums = new float[c];
                Row = new float[c];
                Tmp1 = new float[c * dk];
                Tmp2 = new float[c * dk];
                DQ = new float[c * dk];
                DK = new float[c * dk];
                DU = new float[c * dv];
                Ut = new float[c * dv];
                ZeroOutputGrad = new float[c * dv];
                DP = new float[c * c];
                StateGrad = new float[dk * dv];
                StateGradIn = new float[dk * dv];
                if (delta)
                {
                    DR = new float[c * dv];
                    Y = new float[c * c];
                    NinvT = new float[c * c];
                    DA = new float[c * c];
                }
            }
        }

        public readonly float[] LogDecay, NegLogDecay, G, E, Kt, St;
        public readonly float[] P = [], Qg = [], Kg = [], Kd = [], Decay = [], Rb = [], U = [], R = [], Gm = [], Ninv = [], A = [];
        public readonly float[] LogDecayGrad = [], ColumnSums = [], Row = [], Tmp1 = [], Tmp2 = [], DQ = [], DK = [], DU = [], Ut = [], ZeroOutputGrad = [];
        public readonly float[] DP = [], DR = [], Y = [], NinvT = [], DA = [], StateGrad = [], StateGradIn = [];

        /// <summary>diag(g) Q (Q itself when not gated).</summary>
        public ReadOnlySpan<float> QueryDecayed<TRule>(FastWeightProblem p, in SequenceInputs ch)
            where TRule : struct, IFastWeightRule => TRule.HasDecay ? Qg.AsSpan(0, ch.Length * p.KeyDim) : ch.Q;

        /// <summary>diag(g) K (K itself when not gated).</summary>
        public ReadOnlySpan<float> KeyDecayed<TRule>(FastWeightProblem p, in SequenceInputs ch)
            where TRule : struct, IFastWeightRule => TRule.HasDecay ? Kg.AsSpan(0, ch.Length * p.KeyDim) : ch.K;

        /// <summary>diag(e) K, e_j = g_L / g_j (K itself when not gated).</summary>
        public ReadOnlySpan<float> KeyToEnd<TRule>(FastWeightProblem p, in SequenceInputs ch)
            where TRule : struct, IFastWeightRule => TRule.HasDecay ? Kd.AsSpan(0, ch.Length * p.KeyDim) : ch.K;
    }
}
