using System.Globalization;

namespace FastWeights.Bench;

/// <summary>
/// The line under a ratio table that says, for each row, whether the median ratio (PyTorch / ours) meets the issue's
/// target and, when it does not, by what factor it falls short.
/// </summary>
internal static class TargetVerdict
{
    /// <summary>"Target ≥ 10× (median of the rounds): R = 50 met (10.7×); R = 100 missed by 1.02× (9.8×, CPU time 9.4×)."</summary>
    public static string Describe(double target, IEnumerable<(string Label, double Ratio, double CpuRatio)> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = rows.Select(r =>
            !double.IsFinite(r.Ratio) ? $"{r.Label} not measured (no peer)"
            : r.Ratio >= target ? string.Create(inv, $"{r.Label} met ({r.Ratio:F1}×)")
            : string.Create(inv, $"{r.Label} missed by {target / r.Ratio:F2}× ({r.Ratio:F2}×, CPU time {r.CpuRatio:F1}×)"));
        return string.Create(inv, $"**Target ≥ {target:G}×** (median of the rounds): {string.Join("; ", parts)}.");
    }
}
