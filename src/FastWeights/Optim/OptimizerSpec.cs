using FastWeights.Tensors;

namespace FastWeights.Optim;

/// <summary>An optimizer name users type, what it is, and how to build it over a model's parameters.</summary>
/// <param name="Name">The canonical name (lower case), for example <c>adam</c>.</param>
/// <param name="Description">One line for help text.</param>
/// <param name="Create">Builds the optimizer from (named parameters, peak learning rate).</param>
public sealed record OptimizerSpec(string Name, string Description, Func<IReadOnlyList<KeyValuePair<string, Tensor>>, float, Optimizer> Create);
