using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>The setting a grid's sizes stand for: how a cell's configuration gets its size, how it is read back, and the run-name prefix.</summary>
/// <param name="Label">What a size is called in messages (<c>R</c>, <c>N</c>).</param>
/// <param name="Prefix">Run-directory prefix of a size (<c>r</c> for R: <c>fw-rnn-r50-s1</c>).</param>
/// <param name="With">The configuration with the size set.</param>
/// <param name="Of">The size of a configuration.</param>
public sealed record GridSizeAxis(string Label, string Prefix, Func<TrainingConfig, int, TrainingConfig> With, Func<TrainingConfig, int> Of)
{
    /// <summary>Recurrent units R (<c>--hidden</c>): Tables 1 and 2.</summary>
    public static GridSizeAxis Hidden { get; } = new("R", "r", (c, r) => c with { Hidden = r }, c => c.Hidden);
}
