using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// The recurrent layer of Ba et al. 2016, §3, with its fast-weights-free baselines:
/// h₀ = f(W h(t) + C x(t) + b), h_{s+1} = f(LN[W h(t) + C x(t) + b + A(t) h_s]), A(t) = λA(t−1) + η h(t)h(t)ᵀ.
/// Parameters: <c>input_weight</c> C [R, D] and <c>input_bias</c> b [R]; <c>recurrent_weight</c> W [R, R]
/// (z = h·Wᵀ, so W[i, j] is the weight from unit j to unit i); <c>ln_gain</c>, <c>ln_bias</c> [R] when layer norm is on.
/// The whole sequence runs as one fused op (<see cref="FastWeightRnnOp"/>).
/// </summary>
public sealed class FastWeightRnnLayer : RecurrentLayer
{
    /// <summary>
    /// Creates the layer. Initialisation: C and b uniform in ±1/√D; W = <paramref name="recurrentScale"/>·I
    /// (0.05·I for fast weights and layer-norm RNNs, following the public implementations of the paper; 1·I for
    /// the IRNN of Le et al. 2015); layer-norm gain 1 and bias 0.
    /// </summary>
    public FastWeightRnnLayer(Rng rng, int inputSize, int hiddenSize, FastWeightRnnOptions options, float recurrentScale = 0.05f)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        options.Validate(hiddenSize);
        Options = options;
        HiddenSize = hiddenSize;
        float bound = 1f / MathF.Sqrt(inputSize);
        InputWeight = RegisterParameter("input_weight", Tensor.RandomUniform(rng, -bound, bound, hiddenSize, inputSize));
        InputBias = RegisterParameter("input_bias", Tensor.RandomUniform(rng, -bound, bound, hiddenSize));
        var w = Tensor.Zeros(hiddenSize, hiddenSize);
        for (int i = 0; i < hiddenSize; i++)
        {
            w[i, i] = recurrentScale;
        }
        RecurrentWeight = RegisterParameter("recurrent_weight", w);
        if (options.UseLayerNorm)
        {
            Gain = RegisterParameter("ln_gain", Tensor.Full(1f, hiddenSize));
            Bias = RegisterParameter("ln_bias", Tensor.Zeros(hiddenSize));
        }
    }

    /// <summary>The fast-weights options (λ, η, S, layer norm, form).</summary>
    public FastWeightRnnOptions Options { get; }

    /// <inheritdoc />
    public override int HiddenSize { get; }

    /// <summary>The input weights C, [R, D].</summary>
    public Tensor InputWeight { get; }

    /// <summary>The input bias b, [R].</summary>
    public Tensor InputBias { get; }

    /// <summary>The slow recurrent weights W, [R, R].</summary>
    public Tensor RecurrentWeight { get; }

    /// <summary>Layer-norm gain, or null without layer norm.</summary>
    public Tensor? Gain { get; }

    /// <summary>Layer-norm bias, or null without layer norm.</summary>
    public Tensor? Bias { get; }

    /// <summary>The input projection C x + b, [..., D] → [..., R].</summary>
    public override Tensor Project(Tensor x) => Ops.Linear(x, InputWeight, InputBias);

    /// <inheritdoc />
    public override Tensor Recur(Tensor u) => FastWeightRnnOp.Forward(u, RecurrentWeight, Gain, Bias, Options);

    /// <summary>A zero state for step-by-step inference over <paramref name="batch"/> streams.</summary>
    public FastWeightRnnState CreateState(int batch = 1) => new(batch, HiddenSize, Options.UseFastWeights);

    /// <summary>The fast-weights RNN family runs one token at a time.</summary>
    public override bool SupportsStreaming => true;

    /// <inheritdoc/>
    public override RecurrentLayerState CreateStreamingState(int batch) => CreateState(batch);

    /// <inheritdoc/>
    public override void Step(RecurrentLayerState state, ReadOnlySpan<float> projectedInput, Span<float> output) =>
        Step(state as FastWeightRnnState ?? throw new ArgumentException($"expected a {nameof(FastWeightRnnState)}, got {state?.GetType().Name ?? "null"}", nameof(state)), projectedInput, output);

    /// <summary>
    /// One step of the recurrence without gradients (streaming inference): from the projected inputs
    /// u(t) = C x(t) + b of every stream ([B, R], see <see cref="Project"/>) computes h(t+1) into
    /// <paramref name="output"/> ([B, R]) and updates <paramref name="state"/> (h and A) in place. Running it over a
    /// sequence gives the rows of <see cref="Recur"/> (up to float rounding).
    /// </summary>
    public void Step(FastWeightRnnState state, ReadOnlySpan<float> projectedInput, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(state);
        int r = HiddenSize, batch = state.Batch;
        if (state.Hidden != r || projectedInput.Length < batch * r || output.Length < batch * r)
        {
            throw new ArgumentException($"Step needs a state of {r} units and [{batch}, {r}] inputs and outputs.");
        }
        bool fast = Options.UseFastWeights, ln = Options.UseLayerNorm;
        if (fast && state.FastWeights.Length == 0)
        {
            throw new ArgumentException("The state was created without fast weights.", nameof(state));
        }
        ReadOnlySpan<float> w = RecurrentWeight.Span;
        ReadOnlySpan<float> gain = ln && Gain is not null ? Gain.Span : default;
        ReadOnlySpan<float> bias = ln && Bias is not null ? Bias.Span : default;
        var scratch = state.Scratch.AsSpan();
        var a = scratch[..r];
        var hs = scratch.Slice(r, r);
        var z = scratch.Slice(2 * r, r);
        var norm = scratch.Slice(3 * r, r);
        for (int b = 0; b < batch; b++)
        {
            var h = state.HiddenState.AsSpan(b * r, r);
            var hOut = output.Slice(b * r, r);
            // a = W h(t) + u(t)
            MatrixVector.MultiplyAdd(w, r, r, h, projectedInput.Slice(b * r, r), a);
            if (!fast)
            {
                Activate(a, ln, gain, bias, norm, hOut);
            }
            else
            {
                var fastWeights = state.FastWeights.AsSpan(b * r * r, r * r);
                // h_0 = f(a); h_{s+1} = f(LN[a + A(t) h_s])
                TensorPrimitives.Max(a, 0f, hs);
                for (int s = 0; s < Options.InnerSteps; s++)
                {
                    MatrixVector.MultiplyAdd(fastWeights, r, r, hs, a, z);
                    Activate(z, ln, gain, bias, norm, s == Options.InnerSteps - 1 ? hOut : hs);
                }
                // A(t+1) = λ A(t) + η h(t+1) h(t+1)ᵀ
                FastWeightRnnMath.DecayAddOuter(fastWeights, r, Options.Lambda, Options.Eta, hOut);
            }
            hOut.CopyTo(h);
        }
        state.Position++;
    }

    private static void Activate(ReadOnlySpan<float> z, bool ln, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, Span<float> norm, Span<float> h)
    {
        if (ln)
        {
            LayerNormKernel.FusedNormalizeRelu(z, gain, bias, FastWeightRnnKernel.LayerNormEpsilon, norm, h);
        }
        else
        {
            TensorPrimitives.Max(z, 0f, h);
        }
    }
}
