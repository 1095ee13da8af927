using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.GruLn;

/// <summary>
/// The fused whole-sequence GRU with layer normalisation as one differentiable op (see <see cref="GruLnKernel"/>
/// for the equations, the gate order [r | z | n] and where layer normalisation sits). The caller computes
/// U = x·Wxᵀ + b with ordinary ops; this op runs the recurrence and records a single backward action on the tape.
/// </summary>
public static class GruLnOp
{
    // Workspaces for calls that bring none: rented per forward call, returned after its backward pass.
    private static readonly WorkspacePool<GruLnKernel.Workspace> Pool = new();

    /// <summary>All hidden states H (B×T×R) of a GRU-LN with h(−1) = 0.</summary>
    /// <param name="u">Input projections, shape [B, T, 3R].</param>
    /// <param name="wh">Recurrent weights, shape [3R, R].</param>
    /// <param name="lnGain">Layer-norm gains γ, shape [3R] (blocks r, z, n).</param>
    /// <param name="lnBias">Layer-norm biases β, shape [3R] (blocks r, z, n).</param>
    /// <param name="workspace">
    /// Optional reusable workspace (resized here). It holds this call's saved activations until the tape's
    /// backward pass has run, so give each call in one graph its own. Null rents one from the op's pool (returned
    /// once the backward pass has run, or at once when nothing is recorded).
    /// </param>
    public static Tensor Forward(Tensor u, Tensor wh, Tensor lnGain, Tensor lnBias, GruLnKernel.Workspace? workspace = null)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(wh);
        ArgumentNullException.ThrowIfNull(lnGain);
        ArgumentNullException.ThrowIfNull(lnBias);
        var (batch, steps, hidden) = RecurrentShapes.Check(u, wh, static r => GruLnKernel.GateCount * r, "GRU-LN");
        int gr = GruLnKernel.GateCount * hidden;
        if (lnGain.Length != gr || lnBias.Length != gr)
        {
            throw new ArgumentException($"GRU-LN: layer-norm gain and bias must have {gr} elements, got {lnGain.Length} and {lnBias.Length}.");
        }
        var pool = workspace is null ? Pool : null;
        var ws = workspace ?? (Pool.TryRent(out var rented) ? rented : new GruLnKernel.Workspace(batch, steps, hidden));
        ws.Resize(batch, steps, hidden);
        var h = Tensor.Zeros(batch, steps, hidden);
        GruLnKernel.Forward(ws, u.Span, wh.Span, lnGain.Span, lnBias.Span, h.Span);

        RecurrentShapes.RecordOrRelease(Tape.ShouldRecord([u, wh, lnGain, lnBias]), h, ws, pool, g =>
        {
            GruLnKernel.Backward(
                ws, wh.Span, lnGain.Span, g.Span,
                RecurrentShapes.GradOrEmpty(u),
                RecurrentShapes.GradOrEmpty(wh),
                RecurrentShapes.GradOrEmpty(lnGain),
                RecurrentShapes.GradOrEmpty(lnBias));
        });
        return h;
    }
}
