using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>A short causal depthwise convolution module: <c>weight</c> [C, K] (uniform ±1/√K, as PyTorch's Conv1d) and optionally <c>bias</c> [C] (zeros).</summary>
public sealed class ShortConv : Module
{
    /// <summary>Creates the module for <paramref name="channels"/> channels and a kernel of <paramref name="kernel"/> taps.</summary>
    public ShortConv(Rng rng, int channels, int kernel, bool bias = true)
    {
        float bound = 1f / MathF.Sqrt(kernel);
        Weight = RegisterParameter("weight", Tensor.RandomUniform(rng, -bound, bound, channels, kernel));
        Bias = bias ? RegisterParameter("bias", Tensor.Zeros(channels)) : null;
    }

    /// <summary>The filters, [C, K].</summary>
    public Tensor Weight { get; }

    /// <summary>The biases, [C], or null (none).</summary>
    public Tensor? Bias { get; }

    /// <summary>Convolves x [B, T, C], reading the K − 1 earlier inputs from <paramref name="history"/> (null: zeros).</summary>
    public Tensor Forward(Tensor x, Tensor? history) => CausalDepthwiseConvOp.Forward(x, Weight, Bias, history);

    /// <summary>
    /// One streaming token per sequence, then SiLU: y [B, C] = SiLU(conv(u)) with each sequence's history [K − 1, C]
    /// (in <paramref name="history"/> [B, K − 1, C]), which then takes u; u [B, C] is overwritten. No tape.
    /// </summary>
    internal void StepSilu(Tensor history, Span<float> u, Span<float> y, int batch)
    {
        int kernel = Weight.Dim(1), c = Weight.Dim(0), hist = (kernel - 1) * c;
        var h = history.Span;
        for (int bi = 0; bi < batch; bi++)
        {
            CausalDepthwiseConvKernel.StepSilu(Weight.Span, Bias is null ? default : Bias.Span, h.Slice(bi * hist, hist), u.Slice(bi * c, c), y.Slice(bi * c, c), kernel);
        }
    }

    /// <summary>The history after one streaming token u [B, 1, C]: each sequence's rows shifted by one, u appended (a new tensor).</summary>
    internal static Tensor PushHistory(Tensor history, Tensor u)
    {
        int b = history.Dim(0), c = history.Dim(2), hist = history.Dim(1) * c;
        var next = history.Clone();
        for (int bi = 0; bi < b; bi++)
        {
            CausalDepthwiseConvKernel.PushHistory(next.Span.Slice(bi * hist, hist), u.Span.Slice(bi * c, c));
        }
        return next;
    }
}
