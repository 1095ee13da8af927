namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// Hyper-parameters of the fused fast-weights RNN op (Ba, Hinton, Mnih, Leibo, Ionescu, NIPS 2016, section 3):
/// decay λ, fast learning rate η, number of inner steps S, and which parts are on. With
/// <see cref="UseFastWeights"/> off the same op is the layer-normalized RNN (<see cref="UseLayerNorm"/> on) or
/// the plain ReLU RNN (both off).
/// </summary>
public sealed record FastWeightRnnOptions
{
    /// <summary>Decay rate λ of the fast memory, A(t) = λ A(t−1) + η h(t) h(t)ᵀ; in [0, 1]. Default 0.95.</summary>
    public float Lambda { get; init; } = 0.95f;

    /// <summary>Fast learning rate η of the fast memory; at least 0. Default 0.5.</summary>
    public float Eta { get; init; } = 0.5f;

    /// <summary>Number S of inner-loop steps h_{s+1} = f(LN[W h(t) + C x(t) + A(t) h_s]); at least 1. Default 1.</summary>
    public int InnerSteps { get; init; } = 1;

    /// <summary>Whether layer normalization (per example, over the hidden units) is applied before the ReLU. Default true.</summary>
    public bool UseLayerNorm { get; init; } = true;

    /// <summary>Whether the fast memory A(t) and the inner loop are used. Default true.</summary>
    public bool UseFastWeights { get; init; } = true;

    /// <summary>Which evaluation of A(t)·h_s to use. Default <see cref="FastWeightsForm.Auto"/>.</summary>
    public FastWeightsForm Form { get; init; } = FastWeightsForm.Auto;

    /// <summary>Options of the layer-normalized RNN baseline (<c>rnn-ln</c>): h(t+1) = f(LN[W h(t) + U(t)]).</summary>
    public static FastWeightRnnOptions LayerNormRnn { get; } = new() { UseFastWeights = false, UseLayerNorm = true };

    /// <summary>Options of the plain ReLU RNN baseline (<c>control</c>, <c>irnn</c>): h(t+1) = f(W h(t) + U(t)).</summary>
    public static FastWeightRnnOptions PlainRnn { get; } = new() { UseFastWeights = false, UseLayerNorm = false };

    /// <summary>
    /// Checks the options for a layer of <paramref name="hiddenSize"/> units.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When λ ∉ [0, 1], η &lt; 0 or not finite, S &lt; 1, R &lt; 1, or the form is unknown.</exception>
    public void Validate(int hiddenSize)
    {
        if (!(Lambda >= 0f && Lambda <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "The fast-weight decay rate λ must be in [0, 1].");
        }
        if (!(Eta >= 0f) || float.IsInfinity(Eta))
        {
            throw new ArgumentOutOfRangeException(nameof(Eta), Eta, "The fast learning rate η must be finite and at least 0.");
        }
        if (InnerSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(InnerSteps), InnerSteps, "The number of inner-loop steps S must be at least 1.");
        }
        if (hiddenSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "The hidden size R must be at least 1.");
        }
        if (!Enum.IsDefined(Form))
        {
            throw new ArgumentOutOfRangeException(nameof(Form), Form, "Unknown fast-weights form.");
        }
    }

    /// <summary>
    /// The form actually used for sequences of <paramref name="steps"/> steps and <paramref name="hiddenSize"/> units:
    /// <see cref="FastWeightsForm.Auto"/> resolves to <see cref="FastWeightsForm.Efficient"/> when T &lt; R (O(T²R) is
    /// then cheaper than O(TR²)) and to <see cref="FastWeightsForm.Explicit"/> otherwise.
    /// </summary>
    public FastWeightsForm ResolveForm(int steps, int hiddenSize) => Form switch
    {
        FastWeightsForm.Auto => steps < hiddenSize ? FastWeightsForm.Efficient : FastWeightsForm.Explicit,
        _ => Form,
    };
}
