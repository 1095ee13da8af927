namespace FastWeights.Experiments;

/// <summary>One model at one size, summarised over seeds.</summary>
/// <param name="Model">Catalog model name.</param>
/// <param name="Size">The size the grid varies (see <see cref="GridCell.Size"/>).</param>
/// <param name="PaperErrorPercent">The published error, or null for the extra models.</param>
/// <param name="MeanErrorPercent">Mean test error over the completed seeds, or null if none completed.</param>
/// <param name="StdErrorPercent">Sample standard deviation over seeds (0 for one seed), or null if none completed.</param>
/// <param name="MinErrorPercent">Best seed's error, or null.</param>
/// <param name="MaxErrorPercent">Worst seed's error, or null.</param>
/// <param name="Completed">Seeds that completed.</param>
/// <param name="Seeds">Seeds in the grid.</param>
public sealed record GridRow(string Model, int Size, double? PaperErrorPercent, double? MeanErrorPercent, double? StdErrorPercent,
    double? MinErrorPercent, double? MaxErrorPercent, int Completed, int Seeds);
