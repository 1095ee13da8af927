using FastWeights.Kernels;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.AssociativeLstm;

/// <summary>
/// Fused whole-sequence Associative LSTM (Danihelka, Wayne, Uria, Kalchbrenner &amp; Graves, ICML 2016,
/// "Associative Long Short-Term Memory", section 4) with a hand-written backward pass. Row-major, batch B,
/// length T, real hidden size R (even), K = R/2 complex units, S = number of memory copies.
/// <para>
/// A complex vector of K units is stored as R reals <c>[re(0..K−1) | im(0..K−1)]</c>; the hidden state h has
/// this layout too. The caller supplies U = x·Wxᵀ + b of width 9K = 4.5R laid out as
/// <c>[ĝ_f (K) | ĝ_i (K) | ĝ_o (K) | r̂_i (2K) | r̂_o (2K) | û (2K)]</c> and recurrent weights Wh (9K×R).
/// For t = 0..T−1 with h(−1) = 0 and c_s(−1) = 0 (the paper's equations, one gate value per complex unit
/// shared by its real and imaginary parts):
/// [ĝ_f, ĝ_i, ĝ_o, r̂_i, r̂_o, û] = U(t) + h(t−1)·Whᵀ;
/// g_f = σ(ĝ_f), g_i = σ(ĝ_i), g_o = σ(ĝ_o);
/// r_i = bound(r̂_i), r_o = bound(r̂_o), u = bound(û);
/// r_{i,s} = P_s r_i, r_{o,s} = P_s r_o (P_s permutes the K complex units; the same for re and im);
/// c_s(t) = g_f ⊙ c_s(t−1) + r_{i,s} ⊛ (g_i ⊙ u) for s = 1..S;
/// h(t) = g_o ⊙ bound((1/S) Σ_s r_{o,s} ⊛ c_s(t)),
/// where ⊛ is elementwise complex multiplication and bound(z) = z / max(1, |z|) per complex unit.
/// (P_s r)[j] = r[perm_s[j]]. The paper retrieves with r_o itself, not its conjugate or inverse: the network
/// learns the key it needs.
/// </para>
/// Single-threaded apart from whatever <see cref="Gemm"/> does, so results do not depend on the thread count.
/// </summary>
public static class AssociativeLstmKernel
{
    /// <summary>Width of U and rows of Wh for real hidden size <paramref name="hidden"/>: 9·R/2 (three gates of R/2, three complex vectors of R).</summary>
    public static int ProjectionWidth(int hidden)
    {
        if (hidden <= 0 || hidden % 2 != 0)
        {
            throw new ArgumentException($"The Associative LSTM needs a positive even hidden size (re and im halves), got {hidden}.", nameof(hidden));
        }
        return 9 * hidden / 2;
    }

    /// <summary>
    /// Permutations for <paramref name="copies"/> memory copies of <paramref name="units"/> complex units: copy 0
    /// is the identity, each further copy a uniformly random permutation drawn from <paramref name="rng"/>.
    /// The permutations are fixed for the life of a model (they are not trained).
    /// </summary>
    public static int[][] CreatePermutations(Rng rng, int copies, int units)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(copies);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        var perms = new int[copies][];
        for (int s = 0; s < copies; s++)
        {
            perms[s] = new int[units];
            for (int j = 0; j < units; j++)
            {
                perms[s][j] = j;
            }
            if (s > 0)
            {
                rng.Shuffle(perms[s].AsSpan());
            }
        }
        return perms;
    }

    /// <summary>
    /// Buffers saved by <see cref="Forward"/> for <see cref="Backward"/>, sized for one (B, T, R, S) (reuse rules: <see cref="RecurrentWorkspace"/>).
    /// </summary>
    public sealed class Workspace : RecurrentWorkspace
    {
        /// <summary>Creates a workspace for the given sizes.</summary>
        public Workspace(int batch, int steps, int hidden, int copies) => Resize(batch, steps, hidden, copies);

        /// <summary>Number of memory copies S of the last <see cref="Resize"/>.</summary>
        public int Copies { get; private set; }

        /// <summary>Pre-activations U(t) + h(t−1)·Whᵀ, B×T×9K.</summary>
        public float[] PreActivations { get; private set; } = [];

        /// <summary>Activations [g_f | g_i | g_o | r_i | r_o | u] (gates after σ, keys and u after bound), B×T×9K.</summary>
        public float[] Activations { get; private set; } = [];

        /// <summary>Memory copies c_s(t), S×B×T×R.</summary>
        public float[] Cells { get; private set; } = [];

        /// <summary>Mean retrieval (1/S) Σ_s r_{o,s} ⊛ c_s(t) before bound, B×T×R.</summary>
        public float[] Retrieved { get; private set; } = [];

        /// <summary>h(t−1) at position t (zero at t = 0), B×T×R.</summary>
        public float[] PreviousHidden { get; private set; } = [];

        /// <summary>Backward: dL/d(pre-activations) (equal to dL/dU), B×T×9K.</summary>
        public float[] PreActivationGrads { get; private set; } = [];

        /// <summary>Backward: carried dL/dh(t) (B×R) followed by dL/dc_s(t) (S×B×R).</summary>
        public float[] Carry { get; private set; } = [];

        /// <summary>Per-row scratch of 4R floats.</summary>
        public float[] Scratch { get; private set; } = [];

        /// <summary>Sets the sizes, growing the buffers when needed (never shrinks them).</summary>
        public void Resize(int batch, int steps, int hidden, int copies)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(copies);
            int width = ProjectionWidth(hidden);
            SetSizes(batch, steps, hidden);
            Copies = copies;
            int rows = batch * steps;
            PreActivations = WorkspaceBuffer.Grow(PreActivations, rows * width);
            Activations = WorkspaceBuffer.Grow(Activations, rows * width);
            Cells = WorkspaceBuffer.Grow(Cells, copies * rows * hidden);
            Retrieved = WorkspaceBuffer.Grow(Retrieved, rows * hidden);
            PreviousHidden = WorkspaceBuffer.Grow(PreviousHidden, rows * hidden);
            PreActivationGrads = WorkspaceBuffer.Grow(PreActivationGrads, rows * width);
            Carry = WorkspaceBuffer.Grow(Carry, (1 + copies) * batch * hidden);
            Scratch = WorkspaceBuffer.Grow(Scratch, 4 * hidden);
        }
    }

    /// <summary>
    /// Runs the Associative LSTM over the whole sequence and writes all hidden states to <paramref name="h"/>
    /// (B×T×R). Sizes come from <paramref name="workspace"/> (call <see cref="Workspace.Resize"/> first).
    /// </summary>
    /// <param name="workspace">Receives the saved activations.</param>
    /// <param name="u">Input projections, B×T×9K.</param>
    /// <param name="wh">Recurrent weights, 9K×R.</param>
    /// <param name="permutations">S permutations of the K complex units (see <see cref="CreatePermutations"/>).</param>
    /// <param name="h">Output hidden states, B×T×R.</param>
    public static void Forward(Workspace workspace, ReadOnlySpan<float> u, ReadOnlySpan<float> wh, int[][] permutations, Span<float> h)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.Generation++;
        int batch = workspace.Batch, steps = workspace.Steps, r = workspace.Hidden, copies = workspace.Copies;
        int k = r / 2, width = 9 * k, rows = batch * steps;
        RecurrentShapes.CheckLength(u, rows * width, nameof(u));
        RecurrentShapes.CheckLength(wh, width * r, nameof(wh));
        RecurrentShapes.CheckLength(h, rows * r, nameof(h));
        CheckPermutations(permutations, copies, k);
        var pre = workspace.PreActivations.AsSpan();
        var act = workspace.Activations.AsSpan();
        var cells = workspace.Cells.AsSpan();
        var retrieved = workspace.Retrieved.AsSpan();
        var hPrev = workspace.PreviousHidden.AsSpan();
        var v = workspace.Scratch.AsSpan(0, r);
        float invCopies = 1f / copies;

        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                int row = (b * steps) + t;
                u.Slice(row * width, width).CopyTo(pre.Slice(row * width, width));
            }
            if (t > 0)
            {
                Gemm.Multiply(false, true, batch, width, r, 1f, hPrev[(t * r)..], steps * r, wh, r, 1f, pre[(t * width)..], steps * width);
            }
            else
            {
                for (int b = 0; b < batch; b++)
                {
                    hPrev.Slice(b * steps * r, r).Clear();
                }
            }

            for (int b = 0; b < batch; b++)
            {
                int row = (b * steps) + t;
                var p = pre.Slice(row * width, width);
                var a = act.Slice(row * width, width);
                TensorPrimitives.Sigmoid(p[..(3 * k)], a[..(3 * k)]);
                for (int part = 0; part < 3; part++)
                {
                    int off = (3 * k) + (part * r);
                    Bound(p.Slice(off, r), a.Slice(off, r));
                }
                var gf = a[..k];
                var gi = a.Slice(k, k);
                var go = a.Slice(2 * k, k);
                var ri = a.Slice(3 * k, r);
                var ro = a.Slice((3 * k) + r, r);
                var uu = a.Slice((3 * k) + (2 * r), r);

                // v = g_i ⊙ u (one real gate per complex unit)
                TensorPrimitives.Multiply(gi, uu[..k], v[..k]);
                TensorPrimitives.Multiply(gi, uu[k..], v[k..]);

                var m = retrieved.Slice(row * r, r);
                m.Clear();
                for (int s = 0; s < copies; s++)
                {
                    var perm = permutations[s];
                    var c = cells.Slice(((s * rows) + row) * r, r);
                    for (int j = 0; j < k; j++)
                    {
                        int pj = perm[j];
                        float qre = ri[pj], qim = ri[k + pj];
                        // c_s = g_f ⊙ c_s(t−1) + (P_s r_i) ⊛ v
                        float cre = (qre * v[j]) - (qim * v[k + j]);
                        float cim = (qre * v[k + j]) + (qim * v[j]);
                        if (t > 0)
                        {
                            cre += gf[j] * cells[(((s * rows) + row - 1) * r) + j];
                            cim += gf[j] * cells[(((s * rows) + row - 1) * r) + k + j];
                        }
                        c[j] = cre;
                        c[k + j] = cim;
                        // m += (P_s r_o) ⊛ c_s
                        float ore = ro[pj], oim = ro[k + pj];
                        m[j] += (ore * cre) - (oim * cim);
                        m[k + j] += (ore * cim) + (oim * cre);
                    }
                }
                TensorPrimitives.Multiply(m, invCopies, m);

                // h = g_o ⊙ bound(m)
                var ht = h.Slice(row * r, r);
                Bound(m, ht);
                TensorPrimitives.Multiply(ht[..k], go, ht[..k]);
                TensorPrimitives.Multiply(ht[k..], go, ht[k..]);
                if (t + 1 < steps)
                {
                    ht.CopyTo(hPrev.Slice((row + 1) * r, r));
                }
            }
        }
    }

    /// <summary>
    /// Backward pass of the last <see cref="Forward"/> run with <paramref name="workspace"/>. Gradients
    /// ACCUMULATE (+=) into <paramref name="dU"/> and <paramref name="dWh"/>; pass an empty span for one that is not needed.
    /// </summary>
    /// <param name="workspace">The workspace filled by the forward pass.</param>
    /// <param name="wh">Recurrent weights, 9K×R (as in the forward pass).</param>
    /// <param name="permutations">The permutations of the forward pass.</param>
    /// <param name="dH">dL/dH, B×T×R.</param>
    /// <param name="dU">Accumulates dL/dU, B×T×9K, or empty.</param>
    /// <param name="dWh">Accumulates dL/dWh, 9K×R, or empty.</param>
    public static void Backward(Workspace workspace, ReadOnlySpan<float> wh, int[][] permutations, ReadOnlySpan<float> dH, Span<float> dU, Span<float> dWh)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int batch = workspace.Batch, steps = workspace.Steps, r = workspace.Hidden, copies = workspace.Copies;
        int k = r / 2, width = 9 * k, rows = batch * steps;
        RecurrentShapes.CheckLength(wh, width * r, nameof(wh));
        RecurrentShapes.CheckLength(dH, rows * r, nameof(dH));
        RecurrentShapes.CheckOptional(dU, rows * width, nameof(dU));
        RecurrentShapes.CheckOptional(dWh, width * r, nameof(dWh));
        CheckPermutations(permutations, copies, k);
        var pre = workspace.PreActivations.AsSpan();
        var act = workspace.Activations.AsSpan();
        var cells = workspace.Cells.AsSpan();
        var retrieved = workspace.Retrieved.AsSpan();
        var dPre = workspace.PreActivationGrads.AsSpan();
        var dhCarry = workspace.Carry.AsSpan(0, batch * r);
        var dcCarry = workspace.Carry.AsSpan(batch * r, copies * batch * r);
        var scratch = workspace.Scratch.AsSpan(0, 4 * r);
        var v = scratch[..r];
        var dm = scratch.Slice(r, r);
        var dri = scratch.Slice(2 * r, r);
        var dro = scratch.Slice(3 * r, r);
        float invCopies = 1f / copies;
        dhCarry.Clear();
        dcCarry.Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            for (int b = 0; b < batch; b++)
            {
                int row = (b * steps) + t;
                var p = pre.Slice(row * width, width);
                var a = act.Slice(row * width, width);
                var da = dPre.Slice(row * width, width);
                var gf = a[..k];
                var gi = a.Slice(k, k);
                var go = a.Slice(2 * k, k);
                var ri = a.Slice(3 * k, r);
                var ro = a.Slice((3 * k) + r, r);
                var uu = a.Slice((3 * k) + (2 * r), r);
                var dgf = da[..k];
                var dgi = da.Slice(k, k);
                var dgo = da.Slice(2 * k, k);
                var dv = da.Slice((3 * k) + (2 * r), r); // holds dL/dv, then dL/dû
                var m = retrieved.Slice(row * r, r);
                var dhOut = dH.Slice(row * r, r);
                var dhIn = dhCarry.Slice(b * r, r);

                // h = g_o ⊙ bm with bm = bound(m): dg_o = Re(dh·conj(bm)), dbm = g_o ⊙ dh (kept in dm).
                for (int j = 0; j < k; j++)
                {
                    float re = m[j], im = m[k + j];
                    float scale = 1f / MathF.Max(1f, MathF.Sqrt((re * re) + (im * im)));
                    float dre = dhOut[j] + dhIn[j], dim = dhOut[k + j] + dhIn[k + j];
                    dgo[j] = ((dre * re) + (dim * im)) * scale;
                    dm[j] = go[j] * dre;
                    dm[k + j] = go[j] * dim;
                }
                BoundBackward(m, dm, dm);
                TensorPrimitives.Multiply(dm, invCopies, dm);

                TensorPrimitives.Multiply(gi, uu[..k], v[..k]);
                TensorPrimitives.Multiply(gi, uu[k..], v[k..]);
                dgf.Clear();
                dv.Clear();
                dri.Clear();
                dro.Clear();
                for (int s = 0; s < copies; s++)
                {
                    var perm = permutations[s];
                    var c = cells.Slice(((s * rows) + row) * r, r);
                    var dc = dcCarry.Slice(((s * batch) + b) * r, r);
                    for (int j = 0; j < k; j++)
                    {
                        int pj = perm[j];
                        float cre = c[j], cim = c[k + j];
                        float ore = ro[pj], oim = ro[k + pj];
                        float dmre = dm[j], dmim = dm[k + j];
                        // m ∋ (P_s r_o) ⊛ c_s: d(P_s r_o) = dm ⊛ conj(c_s), dc_s += dm ⊛ conj(P_s r_o)
                        dro[pj] += (dmre * cre) + (dmim * cim);
                        dro[k + pj] += (dmim * cre) - (dmre * cim);
                        float dcre = dc[j] + (dmre * ore) + (dmim * oim);
                        float dcim = dc[k + j] + (dmim * ore) - (dmre * oim);
                        // c_s = g_f ⊙ c_s(t−1) + (P_s r_i) ⊛ v
                        if (t > 0)
                        {
                            float prevRe = cells[(((s * rows) + row - 1) * r) + j];
                            float prevIm = cells[(((s * rows) + row - 1) * r) + k + j];
                            dgf[j] += (dcre * prevRe) + (dcim * prevIm);
                        }
                        float qre = ri[pj], qim = ri[k + pj];
                        float vre = v[j], vim = v[k + j];
                        dri[pj] += (dcre * vre) + (dcim * vim);
                        dri[k + pj] += (dcim * vre) - (dcre * vim);
                        dv[j] += (dcre * qre) + (dcim * qim);
                        dv[k + j] += (dcim * qre) - (dcre * qim);
                        dc[j] = gf[j] * dcre;
                        dc[k + j] = gf[j] * dcim;
                    }
                }

                for (int j = 0; j < k; j++)
                {
                    // v = g_i ⊙ u
                    float dvre = dv[j], dvim = dv[k + j];
                    dgi[j] = (dvre * uu[j]) + (dvim * uu[k + j]);
                    dv[j] = gi[j] * dvre;
                    dv[k + j] = gi[j] * dvim;
                }
                for (int j = 0; j < 3 * k; j++)
                {
                    float g = a[j];
                    da[j] *= g * (1f - g);
                }
                BoundBackward(p.Slice(3 * k, r), dri, da.Slice(3 * k, r));
                BoundBackward(p.Slice((3 * k) + r, r), dro, da.Slice((3 * k) + r, r));
                BoundBackward(p.Slice((3 * k) + (2 * r), r), dv, dv);
            }
            if (t > 0)
            {
                Gemm.Multiply(false, false, batch, r, width, 1f, dPre[(t * width)..], steps * width, wh, r, 0f, dhCarry, r);
            }
        }

        if (!dWh.IsEmpty)
        {
            Gemm.Multiply(true, false, width, r, rows, 1f, dPre, width, workspace.PreviousHidden, r, 1f, dWh, r);
        }
        if (!dU.IsEmpty)
        {
            TensorPrimitives.Add(dU[..(rows * width)], dPre[..(rows * width)], dU[..(rows * width)]);
        }
    }

    /// <summary>bound(z) = z / max(1, |z|) per complex unit of a [re | im] vector (in place allowed).</summary>
    private static void Bound(ReadOnlySpan<float> z, Span<float> y)
    {
        int k = z.Length / 2;
        for (int j = 0; j < k; j++)
        {
            float re = z[j], im = z[k + j];
            float scale = 1f / MathF.Max(1f, MathF.Sqrt((re * re) + (im * im)));
            y[j] = re * scale;
            y[k + j] = im * scale;
        }
    }

    /// <summary>
    /// Backward of <see cref="Bound"/> at input <paramref name="z"/>: dz = dy where |z| ≤ 1, else
    /// dz = (dy − y·⟨y, dy⟩)/|z| with y = z/|z| (in place allowed).
    /// </summary>
    private static void BoundBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> dy, Span<float> dz)
    {
        int k = z.Length / 2;
        for (int j = 0; j < k; j++)
        {
            float re = z[j], im = z[k + j];
            float norm = MathF.Sqrt((re * re) + (im * im));
            if (norm <= 1f)
            {
                dz[j] = dy[j];
                dz[k + j] = dy[k + j];
            }
            else
            {
                float inv = 1f / norm;
                float yre = re * inv, yim = im * inv;
                float dre = dy[j], dim = dy[k + j];
                float dot = (yre * dre) + (yim * dim);
                dz[j] = (dre - (yre * dot)) * inv;
                dz[k + j] = (dim - (yim * dot)) * inv;
            }
        }
    }

    private static void CheckPermutations(int[][] permutations, int copies, int units)
    {
        ArgumentNullException.ThrowIfNull(permutations);
        if (permutations.Length != copies)
        {
            throw new ArgumentException($"{permutations.Length} permutations for {copies} copies.", nameof(permutations));
        }
        foreach (var perm in permutations)
        {
            if (perm is null || perm.Length != units)
            {
                throw new ArgumentException($"Each permutation must have {units} entries.", nameof(permutations));
            }
            var seen = new bool[units];
            foreach (int j in perm)
            {
                if ((uint)j >= (uint)units || seen[j])
                {
                    throw new ArgumentException("A permutation must hold each unit index exactly once.", nameof(permutations));
                }
                seen[j] = true;
            }
        }
    }
}
