namespace FastWeights.Optim;

/// <summary>
/// Every optimizer <c>train --optimizer</c> accepts. Adding one is its class (deriving <see cref="Optimizer"/>, with its
/// state tensors for checkpoints) and one line here.
/// </summary>
public static class OptimizerCatalog
{
    private static readonly OptimizerSpec[] Specs =
    [
        new("adam", "Adam (Kingma and Ba 2015), β = (0.9, 0.999), ε = 1e-8", (parameters, lr) => new Adam(parameters, lr)),
        new("sgd", "SGD with momentum 0.9 (Nesterov)", (parameters, lr) => new Sgd(parameters, lr, momentum: 0.9f, nesterov: true)),
    ];

    /// <summary>All optimizers, in the order help text lists them.</summary>
    public static IReadOnlyList<OptimizerSpec> All => Specs;

    /// <summary>The comma-separated list of valid names.</summary>
    public static string ValidNames => string.Join(", ", Specs.Select(s => s.Name));

    /// <summary>Finds an optimizer by name, case-insensitively; throws <see cref="ArgumentException"/> listing the valid names.</summary>
    public static OptimizerSpec Find(string name) =>
        Specs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown optimizer '{name}'; valid optimizers: {ValidNames}");
}
