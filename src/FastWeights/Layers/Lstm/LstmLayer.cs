using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.Lstm;

/// <summary>
/// LSTM (Hochreiter &amp; Schmidhuber 1997) as one fused op (<see cref="LstmOp"/>). Parameters: <c>input_weight</c>
/// [4R, D] and <c>input_bias</c> [4R] (gate order in <see cref="LstmKernel"/>), <c>recurrent_weight</c> [4R, R].
/// Initialisation: <see cref="RecurrentInit"/> (forget-gate bias 1, orthogonal recurrent blocks).
/// </summary>
public sealed class LstmLayer : ProjectedRecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public LstmLayer(Rng rng, int inputSize, int hiddenSize)
        : base(
            hiddenSize,
            RecurrentInit.InputWeights(rng, LstmKernel.GateCount * hiddenSize, inputSize),
            LstmInit.LstmBias(hiddenSize),
            LstmInit.LstmRecurrentWeights(rng, hiddenSize))
    {
    }

    /// <inheritdoc />
    public override Tensor Recur(Tensor u) => LstmOp.Forward(u, RecurrentWeight);

    /// <summary>The LSTM steps one token at a time (<see cref="Step"/>), for acting agents and streaming.</summary>
    public override bool SupportsStreaming => true;

    /// <inheritdoc />
    public override RecurrentLayerState CreateStreamingState(int batch) => new LstmState(batch, HiddenSize);

    /// <summary>One step of <see cref="LstmKernel.Forward"/> in the same order: a = U(t) + h(t−1)·Whᵀ, the gates, c(t), h(t).</summary>
    public override void Step(RecurrentLayerState state, ReadOnlySpan<float> projectedInput, Span<float> output)
    {
        var s = state as LstmState ?? throw new ArgumentException($"expected an {nameof(LstmState)}, got {state?.GetType().Name ?? "null"}", nameof(state));
        int b = s.Batch, r = HiddenSize, gr = LstmKernel.GateCount * r;
        if (s.Hidden != r || projectedInput.Length != b * gr || output.Length != b * r)
        {
            throw new ArgumentException($"Step needs a state of {r} units, [{b}, {gr}] projected inputs and [{b}, {r}] outputs.");
        }
        var a = s.PreActivations.AsSpan();
        projectedInput.CopyTo(a);
        Kernels.Gemm.Multiply(false, true, b, gr, r, 1f, s.HiddenState, r, RecurrentWeight.Span, r, 1f, a, gr);
        for (int i = 0; i < b; i++)
        {
            var gates = a.Slice(i * gr, gr);
            var ig = gates[..r];
            var fg = gates.Slice(r, r);
            var gg = gates.Slice(2 * r, r);
            var og = gates.Slice(3 * r, r);
            System.Numerics.Tensors.TensorPrimitives.Sigmoid(gates[..(2 * r)], gates[..(2 * r)]);
            System.Numerics.Tensors.TensorPrimitives.Tanh(gg, gg);
            System.Numerics.Tensors.TensorPrimitives.Sigmoid(og, og);
            // c(t) = f ⊙ c(t−1) + i ⊙ g; h(t) = o ⊙ tanh(c(t))
            var c = s.Cells.AsSpan(i * r, r);
            System.Numerics.Tensors.TensorPrimitives.Multiply(ig, gg, ig);
            System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(fg, c, ig, c);
            var h = s.HiddenState.AsSpan(i * r, r);
            System.Numerics.Tensors.TensorPrimitives.Tanh(c, h);
            System.Numerics.Tensors.TensorPrimitives.Multiply(og, h, h);
        }
        s.HiddenState.CopyTo(output);
    }
}
