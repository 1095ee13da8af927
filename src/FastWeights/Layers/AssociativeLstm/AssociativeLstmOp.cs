using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.AssociativeLstm;

/// <summary>
/// The fused whole-sequence Associative LSTM (Danihelka et al. 2016) as one differentiable op (see
/// <see cref="AssociativeLstmKernel"/> for the equations and the layout of U). The caller computes
/// U = x·Wxᵀ + b with ordinary ops; this op runs the recurrence and records a single backward action on the tape.
/// </summary>
public static class AssociativeLstmOp
{
    // Workspaces for calls that bring none: rented per forward call, returned after its backward pass.
    private static readonly WorkspacePool<AssociativeLstmKernel.Workspace> Pool = new();

    /// <summary>All real hidden states H (B×T×R, each row [re | im] of R/2 complex units) with h(−1) = 0, c_s(−1) = 0.</summary>
    /// <param name="u">Input projections, shape [B, T, 9R/2] laid out [ĝ_f | ĝ_i | ĝ_o | r̂_i | r̂_o | û].</param>
    /// <param name="wh">Recurrent weights, shape [9R/2, R].</param>
    /// <param name="permutations">
    /// One permutation of the R/2 complex units per memory copy (see <see cref="AssociativeLstmKernel.CreatePermutations"/>);
    /// null means a single copy (N_copies = 1, the identity).
    /// </param>
    /// <param name="workspace">
    /// Optional reusable workspace (resized here). It holds this call's saved activations until the tape's
    /// backward pass has run, so give each call in one graph its own. Null rents one from the op's pool (returned
    /// once the backward pass has run, or at once when nothing is recorded).
    /// </param>
    public static Tensor Forward(Tensor u, Tensor wh, int[][]? permutations = null, AssociativeLstmKernel.Workspace? workspace = null)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(wh);
        var (batch, steps, hidden) = RecurrentShapes.Check(u, wh, AssociativeLstmKernel.ProjectionWidth, "Associative LSTM");
        var perms = permutations ?? [Enumerable.Range(0, hidden / 2).ToArray()];
        int copies = perms.Length;
        var pool = workspace is null ? Pool : null;
        var ws = workspace ?? (Pool.TryRent(out var rented) ? rented : new AssociativeLstmKernel.Workspace(batch, steps, hidden, copies));
        ws.Resize(batch, steps, hidden, copies);
        var h = Tensor.Zeros(batch, steps, hidden);
        AssociativeLstmKernel.Forward(ws, u.Span, wh.Span, perms, h.Span);

        RecurrentShapes.RecordOrRelease(Tape.ShouldRecord(u, wh), h, ws, pool, g =>
        {
            AssociativeLstmKernel.Backward(
                ws, wh.Span, perms, g.Span,
                RecurrentShapes.GradOrEmpty(u),
                RecurrentShapes.GradOrEmpty(wh));
        });
        return h;
    }
}
