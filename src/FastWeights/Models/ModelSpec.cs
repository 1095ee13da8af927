using FastWeights.Layers.FastWeightRnn;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>A model name users type, its aliases, what it is, and how to build its recurrent layer.</summary>
/// <param name="Name">The canonical name (lower case), for example <c>fw-rnn</c>.</param>
/// <param name="Aliases">Other accepted names (matched case-insensitively).</param>
/// <param name="Description">One line for help text.</param>
/// <param name="Create">Builds the layer from (rng, input size, hidden size, fast-weights options).</param>
public sealed record ModelSpec(string Name, IReadOnlyList<string> Aliases, string Description, Func<Rng, int, int, FastWeightRnnOptions, RecurrentLayer> Create)
{
    /// <summary>Whether the model has a fast-weights memory (so λ, η and S apply and <c>inspect</c> can show it).</summary>
    public bool HasFastWeights { get; init; }
}
