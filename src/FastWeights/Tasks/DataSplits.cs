namespace FastWeights.Tasks;

/// <summary>The train, validation and test splits of a task.</summary>
/// <param name="Train">Training examples.</param>
/// <param name="Validation">Validation examples (never used to train).</param>
/// <param name="Test">Test examples (never used for choices).</param>
public sealed record DataSplits(TokenDataset Train, TokenDataset Validation, TokenDataset Test)
{
    /// <summary>The split called <paramref name="name"/>: train, validation or test.</summary>
    public TokenDataset this[string name] => name switch
    {
        "train" => Train,
        "validation" => Validation,
        "test" => Test,
        _ => throw new ArgumentException($"unknown split '{name}'; valid splits: train, validation, test"),
    };

    /// <summary>Every split with a target at every position (see <see cref="TokenDataset.AtEveryPosition"/>).</summary>
    public DataSplits AtEveryPosition() => new(Train.AtEveryPosition(), Validation.AtEveryPosition(), Test.AtEveryPosition());
}
