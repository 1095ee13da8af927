using FastWeights.Layers.AssociativeLstm;
using FastWeights.Layers.Attention;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Layers.GruLn;
using FastWeights.Layers.Lstm;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>
/// Every model by the name users type: the recurrent models of the fast-weights paper's comparisons, the fast weight
/// programmers, and softmax attention. Adding a model is its layer family's folder and one line here.
/// </summary>
public static class ModelCatalog
{
    private static readonly ModelSpec[] Specs =
    [
        Recurrent("fw-rnn", ["rnn-ln-fw", "fast-weights"], "ReLU RNN with layer norm and fast weights (Ba et al. 2016)",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = true })) with { LayerSettings = ["--lambda", "--eta", "--inner-steps", "--form"] },
        Recurrent("rnn-ln", [], "ReLU RNN with layer norm, no fast weights",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = false, UseLayerNorm = true })),
        Recurrent("control", [], "ReLU RNN with neither layer norm nor fast weights",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = false, UseLayerNorm = false })),
        Recurrent("irnn", [], "ReLU RNN with identity-initialised recurrent weights (Le, Jaitly, Hinton 2015)",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = false, UseLayerNorm = false }, recurrentScale: 1f)),
        Recurrent("gru-ln", [], "GRU with layer norm (Ba, Kiros, Hinton 2016)", (rng, d, r, _) => new GruLnLayer(rng, d, r)),
        Recurrent("lstm", [], "LSTM (Hochreiter and Schmidhuber 1997)", (rng, d, r, _) => new LstmLayer(rng, d, r)),
        Recurrent("a-lstm", ["associative-lstm"], "Associative LSTM (Danihelka et al. 2016)", (rng, d, r, _) => new AssociativeLstmLayer(rng, d, r)),
        Programmer("linear-attention", FastWeightRule.Linear, "Linear attention / sum-rule FWP (Katharopoulos et al. 2020; Schlag et al. 2021), elu+1 features, sum normalisation"),
        Programmer("decay-attention", FastWeightRule.Decay, "Linear attention with a learned scalar decay gate α_t = σ(w_α·x_t + b)"),
        Programmer("deltanet", FastWeightRule.Delta, "DeltaNet: delta-rule FWP (Schlag et al. 2021; Yang et al. 2024), short conv + SiLU, L2-normalised q, k, β = σ(w_β·x)"),
        Programmer("gated-deltanet", FastWeightRule.GatedDelta, "Gated DeltaNet (Yang, Kautz, Hatamizadeh 2024): delta rule with decay α_t = σ(w_α·x_t + b)"),
        new ModelSpec("transformer", [], ModelFamily.Attention, "Causal softmax attention with learned positions (Vaswani et al. 2017), the reference baseline",
            (rng, v, c, o) => new SequenceModel(rng, v, c, o, (r, _) => new SoftmaxAttentionLayer(r, o.ModelDim, o.Heads)))
        { NeedsPositions = true },
        new ModelSpec("convnet", [], ModelFamily.ConvNet, "ConvNet over the whole image (two 5×5 conv + max-pool layers, F = --hidden features), the baseline of Ba et al. 2016's Table 2; image tasks only",
            (_, _, _, _) => throw new ArgumentException("convnet reads images only"))
        { ImageOnly = true, CreateImageModel = (rng, config, image, classes) => new ConvNetClassifier(rng, image, config.Hidden, classes) },
    ];

    /// <summary>All models, in the order help text lists them.</summary>
    public static IReadOnlyList<ModelSpec> All => Specs;

    /// <summary>The recurrent models (the rows of Ba et al.'s Table 1).</summary>
    public static IEnumerable<ModelSpec> RecurrentModels => Specs.Where(s => s.Family == ModelFamily.Recurrent);

    /// <summary>The comma-separated list of valid names.</summary>
    public static string ValidNames => string.Join(", ", Specs.Select(s => s.Name));

    /// <summary>Finds a model by name or alias, case-insensitively; throws <see cref="ArgumentException"/> listing the valid names.</summary>
    public static ModelSpec Find(string name)
    {
        foreach (var s in Specs)
        {
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase) || s.Aliases.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)))
            {
                return s;
            }
        }
        throw new ArgumentException($"unknown model '{name}'; valid models: {ValidNames}");
    }

    // A recurrent layer, in the paper's network on one-answer tasks or as the mixer of a per-position model elsewhere.
    private static ModelSpec Recurrent(string name, string[] aliases, string description, Func<Rng, int, int, FastWeightRnnOptions, RecurrentLayer> layer) =>
        new(name, aliases, ModelFamily.Recurrent, description,
            (rng, v, c, o) => new SequenceModel(rng, v, c, o, (r, _) => new RecurrentMixer(r, o.ModelDim, (rr, d) => layer(rr, d, o.RecurrentHidden, o.Recurrent))))
        {
            Layer = layer,
            CreateImageModel = (rng, config, image, classes) => new GlimpseNetwork(rng, image, (r, d) => layer(r, d, config.Hidden, config.FastWeightOptions()), classes),
        };

    private static ModelSpec Programmer(string name, FastWeightRule rule, string description) =>
        new(name, [], ModelFamily.FastWeightProgrammer, description, (rng, v, c, o) => new SequenceModel(rng, v, c, o,
            (r, _) => new FastWeightProgrammerLayer(r, o.ModelDim, o.LayerOptions(rule))))
        { Rule = rule };
}
