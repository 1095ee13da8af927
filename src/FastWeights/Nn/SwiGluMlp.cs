using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>
/// The SwiGLU feed-forward network (Shazeer 2020, "GLU Variants Improve Transformer"):
/// y = W_down (SiLU(W_gate x) ⊙ W_up x), no biases. Parameters <c>gate_proj</c> [I, D], <c>up_proj</c> [I, D],
/// <c>down_proj</c> [D, I], as fla's GatedMLP and Llama name them.
/// </summary>
public sealed class SwiGluMlp : FeedForward
{
    private readonly Linear gateProj, upProj, downProj;

    /// <summary>Creates the network for rows of <paramref name="d"/> values and <paramref name="hidden"/> hidden units.</summary>
    public SwiGluMlp(Rng rng, int d, int hidden)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        gateProj = RegisterModule("gate_proj", new Linear(rng, d, hidden, bias: false));
        upProj = RegisterModule("up_proj", new Linear(rng, d, hidden, bias: false));
        downProj = RegisterModule("down_proj", new Linear(rng, hidden, d, bias: false));
    }

    /// <inheritdoc/>
    public override int Width => gateProj.Weight.Dim(0);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var gate = gateProj.Forward(x);
        return downProj.Forward(Ops.Mul(Ops.Mul(gate, Ops.Sigmoid(gate)), upProj.Forward(x)));
    }

    /// <inheritdoc/>
    public override void Row(ReadOnlySpan<float> x, Span<float> y, int batch, float[] hiddenA, float[] hiddenB)
    {
        int d = downProj.Weight.Dim(0), hidden = Width;
        var gate = hiddenA.AsSpan(0, batch * hidden);
        var up = hiddenB.AsSpan(0, batch * hidden);
        StreamingKernels.MatVec(gateProj.Weight.Span, default, x, gate, batch, hidden, d);
        StreamingKernels.MatVec(upProj.Weight.Span, default, x, up, batch, hidden, d);
        // SiLU(g) ⊙ u = σ(g) ⊙ (g ⊙ u)
        TensorPrimitives.Multiply(up, gate, up);
        TensorPrimitives.Sigmoid(gate, gate);
        TensorPrimitives.Multiply(gate, up, gate);
        StreamingKernels.MatVec(downProj.Weight.Span, default, gate, y, batch, d, hidden);
    }
}
