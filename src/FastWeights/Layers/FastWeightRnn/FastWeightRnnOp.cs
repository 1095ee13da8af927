using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// The fused whole-sequence fast-weights RNN as one differentiable op (Ba et al. 2016, section 3; see
/// <see cref="FastWeightRnnKernel"/> for the equations). Records a single backward action on the tape.
/// </summary>
public static class FastWeightRnnOp
{
    // Workspaces are rented per forward call and returned after the backward action runs (or at once when
    // nothing is recorded), so steady-state training reuses their buffers.
    private static readonly WorkspacePool<FastWeightRnnWorkspace> Pool = new();

    /// <summary>
    /// Runs the recurrence and returns all hidden states H = h(1..T), B×T×R.
    /// </summary>
    /// <param name="u">Projected inputs U = C·x(t) + b, B×T×R.</param>
    /// <param name="w">Slow recurrent weights, R×R, used as z = h·Wᵀ (W[i,j] is the weight from unit j to unit i).</param>
    /// <param name="gain">Layer-norm gain (R), or null for 1. Ignored without layer norm.</param>
    /// <param name="bias">Layer-norm bias (R), or null for 0. Ignored without layer norm.</param>
    /// <param name="options">Hyper-parameters and variant.</param>
    public static Tensor Forward(Tensor u, Tensor w, Tensor? gain, Tensor? bias, FastWeightRnnOptions options) =>
        Forward(u, w, gain, bias, options, -1);

    /// <summary>As <see cref="Forward(Tensor, Tensor, Tensor?, Tensor?, FastWeightRnnOptions)"/>, with a thread limit (−1: none).</summary>
    internal static Tensor Forward(Tensor u, Tensor w, Tensor? gain, Tensor? bias, FastWeightRnnOptions options, int maxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(options);
        if (u.Rank != 3)
        {
            throw new ArgumentException($"U must be B×T×R, got shape {ShapeUtil.Format(u.Shape)}.", nameof(u));
        }
        int batch = u.Dim(0), steps = u.Dim(1), hidden = u.Dim(2);
        options.Validate(hidden);
        if (w.Rank != 2 || w.Dim(0) != hidden || w.Dim(1) != hidden)
        {
            throw new ArgumentException($"W must be {hidden}×{hidden}, got shape {ShapeUtil.Format(w.Shape)}.", nameof(w));
        }
        if (!options.UseLayerNorm)
        {
            gain = null;
            bias = null;
        }
        if (gain is not null && gain.Length != hidden)
        {
            throw new ArgumentException($"The gain must have {hidden} elements, got shape {ShapeUtil.Format(gain.Shape)}.", nameof(gain));
        }
        if (bias is not null && bias.Length != hidden)
        {
            throw new ArgumentException($"The bias must have {hidden} elements, got shape {ShapeUtil.Format(bias.Shape)}.", nameof(bias));
        }

        var h = Tensor.Zeros(batch, steps, hidden);
        if (!Pool.TryRent(out var workspace))
        {
            workspace = new FastWeightRnnWorkspace();
        }
        FastWeightRnnKernel.Forward(options, batch, steps, hidden, Memory(u), Memory(w), Memory(gain), Memory(bias), Memory(h), workspace, maxDegreeOfParallelism);

        bool record = Tape.ShouldRecord(u, w) || (gain?.RequiresGrad == true) || (bias?.RequiresGrad == true);
        if (!record || !Tape.IsGradEnabled)
        {
            Pool.Return(workspace);
            return h;
        }
        Tape.Record(h, () =>
        {
            var dH = h.Grad;
            if (dH is not null)
            {
                FastWeightRnnKernel.Backward(
                    workspace, Memory(w), Memory(gain), Memory(h), Memory(dH),
                    u.RequiresGrad ? Memory(u.EnsureGrad()) : default,
                    w.RequiresGrad ? Memory(w.EnsureGrad()) : default,
                    gain?.RequiresGrad == true ? Memory(gain.EnsureGrad()) : default,
                    bias?.RequiresGrad == true ? Memory(bias.EnsureGrad()) : default,
                    maxDegreeOfParallelism);
            }
            Pool.Return(workspace);
        });
        return h;
    }

    private static Memory<float> Memory(Tensor? t) => t is null ? default : new Memory<float>(t.Storage, t.Offset, t.Length);
}
