namespace FastWeights.Experiments;

/// <summary>The outcome of one cell of the grid: one model at one size with one seed.</summary>
/// <param name="Model">Catalog model name.</param>
/// <param name="Size">The size the grid varies: recurrent units R (Tables 1 and 2) or the screen side N (Catch).</param>
/// <param name="Seed">Run seed.</param>
/// <param name="Directory">The run directory.</param>
/// <param name="TestErrorPercent">Test error in percent, or null when the run did not complete (diverged or interrupted).</param>
/// <param name="Seconds">Training wall time of the run (across resumes), from its metrics.</param>
/// <param name="Status">completed, skipped (finished before this invocation), collected (read by <c>--collect</c>), missing (not finished when collected), diverged or interrupted.</param>
public sealed record GridCell(string Model, int Size, ulong Seed, string Directory, double? TestErrorPercent, double Seconds, string Status);
