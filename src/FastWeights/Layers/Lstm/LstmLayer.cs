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
        // The kernel's own position step; c(t−1) is copied aside because c(t) replaces it in the state.
        var previous = s.PreviousCells.AsSpan();
        var tanhCell = s.TanhCell.AsSpan();
        s.Cells.CopyTo(previous);
        for (int i = 0; i < b; i++)
        {
            LstmKernel.Cell(a.Slice(i * gr, gr), previous.Slice(i * r, r), s.Cells.AsSpan(i * r, r), tanhCell, s.HiddenState.AsSpan(i * r, r));
        }
        s.HiddenState.CopyTo(output);
    }
}
