using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.Lstm;

/// <summary>
/// The fused whole-sequence LSTM as one differentiable op (see <see cref="LstmKernel"/> for the equations and
/// the gate order [i | f | g | o]). The caller computes U = x·Wxᵀ + b with ordinary ops; this op runs the
/// recurrence and records a single backward action on the tape.
/// </summary>
public static class LstmOp
{
    // Workspaces for calls that bring none: rented per forward call, returned after its backward pass.
    private static readonly WorkspacePool<LstmKernel.Workspace> Pool = new();

    /// <summary>
    /// All hidden states H (B×T×R) of an LSTM with h(−1) = c(−1) = 0.
    /// </summary>
    /// <param name="u">Input projections, shape [B, T, 4R].</param>
    /// <param name="wh">Recurrent weights, shape [4R, R] (pre-activation += h·Whᵀ).</param>
    /// <param name="workspace">
    /// Optional reusable workspace (resized here). It holds this call's saved activations until the tape's
    /// backward pass has run, so give each call in one graph its own. Null rents one from the op's pool (returned
    /// once the backward pass has run, or at once when nothing is recorded).
    /// </param>
    public static Tensor Forward(Tensor u, Tensor wh, LstmKernel.Workspace? workspace = null)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(wh);
        var (batch, steps, hidden) = RecurrentShapes.Check(u, wh, static r => LstmKernel.GateCount * r, "LSTM");
        var pool = workspace is null ? Pool : null;
        var ws = workspace ?? (Pool.TryRent(out var rented) ? rented : new LstmKernel.Workspace(batch, steps, hidden));
        ws.Resize(batch, steps, hidden);
        var h = Tensor.Zeros(batch, steps, hidden);
        LstmKernel.Forward(ws, u.Span, wh.Span, h.Span);

        RecurrentShapes.RecordOrRelease(Tape.ShouldRecord(u, wh), h, ws, pool, g =>
        {
            LstmKernel.Backward(
                ws, wh.Span, g.Span,
                RecurrentShapes.GradOrEmpty(u),
                RecurrentShapes.GradOrEmpty(wh));
        });
        return h;
    }
}
