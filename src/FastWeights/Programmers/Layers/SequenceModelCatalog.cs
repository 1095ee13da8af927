using FastWeights.Models;
using FastWeights.Tensors;

namespace FastWeights.Programmers.Layers;

/// <summary>
/// The per-position sequence models by name: fast-weight programmers (<c>linear-attention</c>, <c>decay-attention</c>,
/// <c>deltanet</c>, <c>gated-deltanet</c>), the <c>transformer</c> baseline, and every recurrent model of
/// <see cref="ModelCatalog"/> (for example <c>fw-rnn</c>) wrapped as a <see cref="RecurrentMixer"/>.
/// </summary>
public static class SequenceModelCatalog
{
    private static readonly SequenceModelSpec[] Specs =
    [
        Programmer("linear-attention", FastWeightRule.Linear, "Linear attention / sum-rule FWP (Katharopoulos et al. 2020; Schlag et al. 2021), elu+1 features, sum normalisation"),
        Programmer("decay-attention", FastWeightRule.Decay, "Linear attention with a learned scalar decay gate α_t = σ(w_α·x_t + b)"),
        Programmer("deltanet", FastWeightRule.Delta, "DeltaNet: delta-rule FWP (Schlag et al. 2021; Yang et al. 2024), short conv + SiLU, L2-normalised q, k, β = σ(w_β·x)"),
        Programmer("gated-deltanet", FastWeightRule.GatedDelta, "Gated DeltaNet (Yang, Kautz, Hatamizadeh 2024): delta rule with decay α_t = σ(w_α·x_t + b)"),
        new("transformer", "Causal softmax attention with learned positions (Vaswani et al. 2017), the reference baseline",
            (rng, v, c, o) => new SequenceModel(rng, v, c, o, (r, _) => new SoftmaxAttentionLayer(r, o.ModelDim, o.Heads)))
        { NeedsPositions = true },
    ];

    /// <summary>The fast-weight and attention models (the recurrent ones are found through <see cref="ModelCatalog"/>).</summary>
    public static IReadOnlyList<SequenceModelSpec> All => Specs;

    /// <summary>Whether <paramref name="name"/> names a model of this catalog (not a recurrent one).</summary>
    public static bool Contains(string name) => Specs.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The valid names of this catalog.</summary>
    public static string ValidNames => string.Join(", ", Specs.Select(s => s.Name));

    /// <summary>Finds a model by name; recurrent models of <see cref="ModelCatalog"/> are wrapped with a per-position head.</summary>
    public static SequenceModelSpec Find(string name)
    {
        foreach (var s in Specs)
        {
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }
        }
        ModelSpec recurrent;
        try
        {
            recurrent = ModelCatalog.Find(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"unknown model '{name}'; valid models: {ModelCatalog.ValidNames}, {ValidNames}");
        }
        return new SequenceModelSpec(recurrent.Name, recurrent.Description + ", per-position head",
            (rng, v, c, o) => new SequenceModel(rng, v, c, o, (r, _) => new RecurrentMixer(r, o.ModelDim, (rr, d) => recurrent.Create(rr, d, o.RecurrentHidden, o.Recurrent))));
    }

    private static SequenceModelSpec Programmer(string name, FastWeightRule rule, string description) =>
        new(name, description, (rng, v, c, o) => new SequenceModel(rng, v, c, o,
            (r, _) => new FastWeightProgrammerLayer(r, o.ModelDim, FastWeightLayerOptions.For(rule, o.Heads) with { ShortConv = o.ShortConv })));
}
