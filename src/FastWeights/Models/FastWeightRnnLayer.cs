using FastWeights.Autodiff;
using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>
/// The recurrent layer of Ba et al. 2016, §3, with its fast-weights-free baselines:
/// h₀ = f(W h(t) + C x(t) + b), h_{s+1} = f(LN[W h(t) + C x(t) + b + A(t) h_s]), A(t) = λA(t−1) + η h(t)h(t)ᵀ.
/// Parameters: <c>input.weight</c> C [R, D] and <c>input.bias</c> b [R]; <c>recurrent_weight</c> W [R, R]
/// (z = h·Wᵀ, so W[i, j] is the weight from unit j to unit i); <c>ln_gain</c>, <c>ln_bias</c> [R] when layer norm is on.
/// The whole sequence runs as one fused op (<see cref="FastWeightRnnOp"/>).
/// </summary>
public sealed class FastWeightRnnLayer : RecurrentLayer
{
    private readonly Linear input;

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
        input = RegisterModule("input", new Linear(rng, inputSize, hiddenSize));
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

    /// <summary>The slow recurrent weights W, [R, R].</summary>
    public Tensor RecurrentWeight { get; }

    /// <summary>Layer-norm gain, or null without layer norm.</summary>
    public Tensor? Gain { get; }

    /// <summary>Layer-norm bias, or null without layer norm.</summary>
    public Tensor? Bias { get; }

    /// <summary>The input projection C x + b for a whole sequence, [B, T, R].</summary>
    public Tensor Project(Tensor x) => input.Forward(x);

    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => FastWeightRnnOp.Forward(Project(x), RecurrentWeight, Gain, Bias, Options);
}
