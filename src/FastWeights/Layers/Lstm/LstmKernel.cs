using FastWeights.Kernels;
using FastWeights.Layers.Recurrent;

namespace FastWeights.Layers.Lstm;

/// <summary>
/// Fused whole-sequence LSTM (Hochreiter &amp; Schmidhuber 1997, with forget gate, no peepholes) with a
/// hand-written backward pass. Row-major, batch B, length T, hidden R, gate blocks G = 4 in the order
/// <c>[i | f | g | o]</c> (input, forget, candidate, output).
/// <para>
/// The caller supplies the input projections U = x·Wxᵀ + b (B×T×4R) and the recurrent weights Wh (4R×R).
/// For t = 0..T−1, with h(−1) = 0 and c(−1) = 0:
/// a(t) = U(t) + h(t−1)·Whᵀ;
/// i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o);
/// c(t) = f ⊙ c(t−1) + i ⊙ g;
/// h(t) = o ⊙ tanh(c(t)).
/// </para>
/// The forward pass keeps what the backward pass needs in a <see cref="Workspace"/> (llm.c style: every
/// buffer explicit and reusable). Single-threaded apart from whatever <see cref="Gemm"/> does, so results do
/// not depend on the thread count.
/// </summary>
public static class LstmKernel
{
    /// <summary>Number of gate blocks of width R in U and Wh (i, f, g, o).</summary>
    public const int GateCount = 4;

    /// <summary>
    /// Buffers saved by <see cref="Forward"/> for <see cref="Backward"/>, sized for one (B, T, R) (reuse rules: <see cref="RecurrentWorkspace"/>).
    /// </summary>
    public sealed class Workspace : RecurrentWorkspace
    {
        /// <summary>Creates a workspace for the given sizes.</summary>
        public Workspace(int batch, int steps, int hidden) => Resize(batch, steps, hidden);

        /// <summary>Gate activations after their nonlinearities, B×T×4R in the order [i | f | g | o].</summary>
        public float[] Gates { get; private set; } = [];

        /// <summary>Cell states c(t), B×T×R.</summary>
        public float[] Cells { get; private set; } = [];

        /// <summary>tanh(c(t)), B×T×R.</summary>
        public float[] TanhCells { get; private set; } = [];

        /// <summary>h(t−1) at position t (zero at t = 0), B×T×R: the left factor of every recurrent product.</summary>
        public float[] PreviousHidden { get; private set; } = [];

        /// <summary>Backward: dL/da(t) for the pre-activations (equal to dL/dU), B×T×4R.</summary>
        public float[] PreActivationGrads { get; private set; } = [];

        /// <summary>Backward: carried dL/dh(t) and dL/dc(t) from later steps, 2·B×R.</summary>
        public float[] Carry { get; private set; } = [];

        /// <summary>Sets the sizes, growing the buffers when needed (never shrinks them).</summary>
        public void Resize(int batch, int steps, int hidden)
        {
            SetSizes(batch, steps, hidden);
            int rows = batch * steps;
            Gates = WorkspaceBuffer.Grow(Gates, rows * GateCount * hidden);
            Cells = WorkspaceBuffer.Grow(Cells, rows * hidden);
            TanhCells = WorkspaceBuffer.Grow(TanhCells, rows * hidden);
            PreviousHidden = WorkspaceBuffer.Grow(PreviousHidden, rows * hidden);
            PreActivationGrads = WorkspaceBuffer.Grow(PreActivationGrads, rows * GateCount * hidden);
            Carry = WorkspaceBuffer.Grow(Carry, 2 * batch * hidden);
        }
    }

    /// <summary>
    /// One position's gates and states, shared by <see cref="Forward"/> and the one-step form (<see cref="LstmLayer.Step"/>):
    /// the pre-activations a = [i | f | g | o] become σ, σ, tanh, σ in place; c = f ⊙ c(t−1) + i ⊙ g (i ⊙ g alone when
    /// <paramref name="previousCell"/> is empty, at t = 0); tanh c; h = o ⊙ tanh c. <paramref name="previousCell"/> must
    /// not overlap <paramref name="cell"/>.
    /// </summary>
    internal static void Cell(Span<float> gates, ReadOnlySpan<float> previousCell, Span<float> cell, Span<float> tanhCell, Span<float> hidden)
    {
        int r = cell.Length;
        var ig = gates[..r];
        var fg = gates.Slice(r, r);
        var gg = gates.Slice(2 * r, r);
        var og = gates.Slice(3 * r, r);
        TensorPrimitives.Sigmoid(gates[..(2 * r)], gates[..(2 * r)]);
        TensorPrimitives.Tanh(gg, gg);
        TensorPrimitives.Sigmoid(og, og);
        TensorPrimitives.Multiply(ig, gg, cell);
        if (!previousCell.IsEmpty)
        {
            // c(t) = f ⊙ c(t−1) + i ⊙ g
            TensorPrimitives.FusedMultiplyAdd(fg, previousCell, cell, cell);
        }
        TensorPrimitives.Tanh(cell, tanhCell);
        TensorPrimitives.Multiply(og, tanhCell, hidden);
    }

    /// <summary>
    /// Runs the LSTM over the whole sequence and writes all hidden states to <paramref name="h"/> (B×T×R).
    /// Sizes come from <paramref name="workspace"/> (call <see cref="Workspace.Resize"/> first).
    /// </summary>
    /// <param name="workspace">Receives the saved activations.</param>
    /// <param name="u">Input projections, B×T×4R.</param>
    /// <param name="wh">Recurrent weights, 4R×R (a = h·Whᵀ).</param>
    /// <param name="h">Output hidden states, B×T×R.</param>
    public static void Forward(Workspace workspace, ReadOnlySpan<float> u, ReadOnlySpan<float> wh, Span<float> h)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.Generation++;
        int batch = workspace.Batch, steps = workspace.Steps, r = workspace.Hidden, gr = GateCount * r;
        RecurrentShapes.CheckLength(u, batch * steps * gr, nameof(u));
        RecurrentShapes.CheckLength(wh, gr * r, nameof(wh));
        RecurrentShapes.CheckLength(h, batch * steps * r, nameof(h));
        var gates = workspace.Gates.AsSpan();
        var cells = workspace.Cells.AsSpan();
        var tanhCells = workspace.TanhCells.AsSpan();
        var hPrev = workspace.PreviousHidden.AsSpan();

        for (int t = 0; t < steps; t++)
        {
            // a(t) = U(t) + h(t−1)·Whᵀ, written in place into the gate buffer.
            for (int b = 0; b < batch; b++)
            {
                int row = (b * steps) + t;
                u.Slice(row * gr, gr).CopyTo(gates.Slice(row * gr, gr));
            }
            if (t > 0)
            {
                Gemm.Multiply(false, true, batch, gr, r, 1f, hPrev[(t * r)..], steps * r, wh, r, 1f, gates[(t * gr)..], steps * gr);
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
                var ht = h.Slice(row * r, r);
                Cell(gates.Slice(row * gr, gr), t > 0 ? cells.Slice((row - 1) * r, r) : default, cells.Slice(row * r, r), tanhCells.Slice(row * r, r), ht);
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
    /// <param name="wh">Recurrent weights, 4R×R (as in the forward pass).</param>
    /// <param name="dH">dL/dH, B×T×R.</param>
    /// <param name="dU">Accumulates dL/dU, B×T×4R, or empty.</param>
    /// <param name="dWh">Accumulates dL/dWh, 4R×R, or empty.</param>
    public static void Backward(Workspace workspace, ReadOnlySpan<float> wh, ReadOnlySpan<float> dH, Span<float> dU, Span<float> dWh)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int batch = workspace.Batch, steps = workspace.Steps, r = workspace.Hidden, gr = GateCount * r;
        RecurrentShapes.CheckLength(wh, gr * r, nameof(wh));
        RecurrentShapes.CheckLength(dH, batch * steps * r, nameof(dH));
        RecurrentShapes.CheckOptional(dU, batch * steps * gr, nameof(dU));
        RecurrentShapes.CheckOptional(dWh, gr * r, nameof(dWh));
        var gates = workspace.Gates.AsSpan();
        var cells = workspace.Cells.AsSpan();
        var tanhCells = workspace.TanhCells.AsSpan();
        var dPre = workspace.PreActivationGrads.AsSpan();
        var dhCarry = workspace.Carry.AsSpan(0, batch * r);
        var dcCarry = workspace.Carry.AsSpan(batch * r, batch * r);
        dhCarry.Clear();
        dcCarry.Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            for (int b = 0; b < batch; b++)
            {
                int row = (b * steps) + t;
                var a = gates.Slice(row * gr, gr);
                var da = dPre.Slice(row * gr, gr);
                var tc = tanhCells.Slice(row * r, r);
                var dhOut = dH.Slice(row * r, r);
                var dhIn = dhCarry.Slice(b * r, r);
                var dcIn = dcCarry.Slice(b * r, r);
                for (int j = 0; j < r; j++)
                {
                    float ig = a[j], fg = a[r + j], gg = a[(2 * r) + j], og = a[(3 * r) + j];
                    float tcj = tc[j];
                    float dh = dhOut[j] + dhIn[j];
                    // h = o ⊙ tanh(c)
                    float dog = dh * tcj;
                    float dc = dcIn[j] + (dh * og * (1f - (tcj * tcj)));
                    // c = f ⊙ c(t−1) + i ⊙ g
                    float cPrev = t > 0 ? cells[((row - 1) * r) + j] : 0f;
                    da[j] = dc * gg * ig * (1f - ig);
                    da[r + j] = dc * cPrev * fg * (1f - fg);
                    da[(2 * r) + j] = dc * ig * (1f - (gg * gg));
                    da[(3 * r) + j] = dog * og * (1f - og);
                    dcIn[j] = dc * fg;
                }
            }
            if (t > 0)
            {
                // dL/dh(t−1) through the recurrence: da(t)·Wh.
                Gemm.Multiply(false, false, batch, r, gr, 1f, dPre[(t * gr)..], steps * gr, wh, r, 0f, dhCarry, r);
            }
        }

        int rows = batch * steps;
        if (!dWh.IsEmpty)
        {
            // dWh += Σ_t da(t)ᵀ·h(t−1), one product over all B·T rows (h(−1) = 0 rows add nothing).
            Gemm.Multiply(true, false, gr, r, rows, 1f, dPre, gr, workspace.PreviousHidden, r, 1f, dWh, r);
        }
        if (!dU.IsEmpty)
        {
            TensorPrimitives.Add(dU[..(rows * gr)], dPre[..(rows * gr)], dU[..(rows * gr)]);
        }
    }
}
