using System.Globalization;
using ScottPlot;

namespace FastWeights.Bench;

/// <summary>The two-panel scaling PNG of the report: time and peak memory against a size, both on log–log axes.</summary>
internal static class ScalingPlot
{
    /// <summary>
    /// Saves <paramref name="series"/> (name → points (size, ms, MiB)) to <paramref name="path"/>; series whose name
    /// satisfies <paramref name="dashed"/> are drawn dashed.
    /// </summary>
    public static void Save(
        Dictionary<string, List<(double X, double Ms, double Mib)>> series, string path, string xLabel, string timeTitle, string timeLabel, Func<string, bool> dashed)
    {
        var multi = new Multiplot();
        multi.AddPlots(2);
        var time = multi.GetPlot(0);
        var memory = multi.GetPlot(1);
        foreach (var (key, points) in series.Where(s => s.Value.Count > 0))
        {
            double[] x = points.Select(p => Math.Log2(p.X)).ToArray();
            var t = time.Add.Scatter(x, points.Select(p => Math.Log10(p.Ms)).ToArray());
            t.LegendText = key;
            var m = memory.Add.Scatter(x, points.Select(p => Math.Log10(p.Mib)).ToArray());
            m.LegendText = key;
            m.Color = t.Color;
            if (dashed(key))
            {
                t.LinePattern = LinePattern.Dashed;
                m.LinePattern = LinePattern.Dashed;
            }
        }
        double[] xs = series.Values.SelectMany(p => p.Select(q => q.X)).Distinct().Order().ToArray();
        foreach (var plot in new[] { time, memory })
        {
            var xt = new ScottPlot.TickGenerators.NumericManual();
            foreach (double v in xs)
            {
                xt.AddMajor(Math.Log2(v), v.ToString(CultureInfo.InvariantCulture));
            }
            plot.Axes.Bottom.TickGenerator = xt;
            var yt = new ScottPlot.TickGenerators.NumericManual();
            for (int e = -2; e <= 6; e++)
            {
                yt.AddMajor(e, Math.Pow(10, e).ToString("G", CultureInfo.InvariantCulture));
            }
            plot.Axes.Left.TickGenerator = yt;
            plot.XLabel(xLabel);
            plot.ShowLegend(Alignment.UpperLeft);
        }
        time.Title(timeTitle);
        time.YLabel(timeLabel);
        memory.Title("Peak resident memory of the process");
        memory.YLabel("MiB (log scale)");
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multi.SavePng(path, 1200, 480);
    }
}
