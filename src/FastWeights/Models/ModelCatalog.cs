using FastWeights.Layers.AssociativeLstm;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Layers.GruLn;
using FastWeights.Layers.Lstm;

namespace FastWeights.Models;

/// <summary>The recurrent models of the fast-weights paper's comparisons, by the names users type.</summary>
public static class ModelCatalog
{
    private static readonly ModelSpec[] Specs =
    [
        new("fw-rnn", ["rnn-ln-fw", "fast-weights"], "ReLU RNN with layer norm and fast weights (Ba et al. 2016)",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = true }))
        { HasFastWeights = true },
        new("rnn-ln", [], "ReLU RNN with layer norm, no fast weights",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = false, UseLayerNorm = true })),
        new("control", [], "ReLU RNN with neither layer norm nor fast weights",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = false, UseLayerNorm = false })),
        new("irnn", [], "ReLU RNN with identity-initialised recurrent weights (Le, Jaitly, Hinton 2015)",
            (rng, d, r, o) => new FastWeightRnnLayer(rng, d, r, o with { UseFastWeights = false, UseLayerNorm = false }, recurrentScale: 1f)),
        new("gru-ln", [], "GRU with layer norm (Ba, Kiros, Hinton 2016)", (rng, d, r, _) => new GruLnLayer(rng, d, r)),
        new("lstm", [], "LSTM (Hochreiter and Schmidhuber 1997)", (rng, d, r, _) => new LstmLayer(rng, d, r)),
        new("a-lstm", ["associative-lstm"], "Associative LSTM (Danihelka et al. 2016)", (rng, d, r, _) => new AssociativeLstmLayer(rng, d, r)),
    ];

    /// <summary>All models, in the order help text lists them.</summary>
    public static IReadOnlyList<ModelSpec> All => Specs;

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
}
