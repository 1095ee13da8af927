using FastWeights.Tensors;

namespace FastWeights.Programmers.Layers;

/// <summary>A sequence model users can name on the command line.</summary>
/// <param name="Name">The canonical name, for example <c>deltanet</c>.</param>
/// <param name="Description">One line for help text.</param>
/// <param name="Create">Builds the model from (rng, vocabulary, classes, options).</param>
public sealed record SequenceModelSpec(string Name, string Description, Func<Rng, int, int, SequenceModelOptions, SequenceModel> Create)
{
    /// <summary>Whether the model needs learned positions (softmax attention has no other notion of order).</summary>
    public bool NeedsPositions { get; init; }
}
