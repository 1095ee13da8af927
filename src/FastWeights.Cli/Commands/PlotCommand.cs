using System.CommandLine;
using System.Text.Json;
using FastWeights.Training;
using ScottPlot;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights plot</c>: validation accuracy and loss against steps for one or more runs.</summary>
internal static class PlotCommand
{
    /// <summary>The largest --width and --height.</summary>
    public const int MaxSide = 10_000;

    public static Command Create(TextWriter stdout)
    {
        var runs = new Argument<string[]>("RUN") { Description = "Run directories", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "PNG file to write", Required = true }.NonEmptyPath();
        var width = new Option<int>("--width") { Description = "Image width in pixels (100 to 10000)", DefaultValueFactory = _ => 1200 };
        var height = new Option<int>("--height") { Description = "Image height in pixels (100 to 10000)", DefaultValueFactory = _ => 500 };
        var cmd = new Command("plot", "Plot validation accuracy and loss against steps, one line per run labelled with its model.") { runs, output, width, height };
        cmd.SetAction(p =>
        {
            var curves = p.GetValue(runs)!.Select(Read).ToList();
            string path = p.GetValue(output)!;
            RenderLearningCurves(curves, path, p.GetValue(width), p.GetValue(height));
            stdout.WriteLine($"wrote {path}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>A run's label and its metrics.</summary>
    internal sealed record Curve(string Label, IReadOnlyList<MetricsRecord> Records);

    /// <summary>The run's curve, or null when it has no metrics yet.</summary>
    internal static Curve? TryRead(string dir)
    {
        string path = Path.Combine(dir, RunDirectory.MetricsFile);
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            return null;
        }
        return Read(dir);
    }

    // The fields every metrics line is written with (MetricsRecord's constructor).
    private static readonly string[] RequiredFields = ["step", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy", "learning_rate", "seconds"];

    internal static Curve Read(string dir)
    {
        var config = RunDirectory.ReadConfig(dir);
        string path = Path.Combine(dir, RunDirectory.MetricsFile);
        if (!File.Exists(path))
        {
            throw new CliException($"run '{dir}' has no {RunDirectory.MetricsFile}");
        }
        var opts = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var records = new List<MetricsRecord>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                // The serializer would give a missing field 0: a record that lacks one is damage, not a point at 0.
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new CliException($"{path}:{lineNo}: not a metrics record (a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object)");
                }
                foreach (string field in RequiredFields)
                {
                    if (!doc.RootElement.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Number)
                    {
                        throw new CliException($"{path}:{lineNo}: a metrics record without a number '{field}'");
                    }
                }
                records.Add(doc.RootElement.Deserialize<MetricsRecord>(opts)!);
            }
            catch (JsonException e)
            {
                throw new CliException($"{path}:{lineNo}: not a metrics record ({e.Message.ReplaceLineEndings(" ")})");
            }
        }
        if (records.Count == 0)
        {
            throw new CliException($"run '{dir}' has no metrics yet");
        }
        return new Curve($"{config.Model} R={config.Hidden}", records);
    }

    /// <summary>Writes a two-panel PNG: validation accuracy (left) and validation loss (right) against steps.</summary>
    internal static void RenderLearningCurves(IReadOnlyList<Curve> curves, string path, int width, int height, string titleSuffix = "")
    {
        if (width < 100 || height < 100)
        {
            throw new CliException("--width and --height must be at least 100 pixels");
        }
        // A picture of 10,000 × 10,000 pixels is 400 MB of pixels; beyond it ScottPlot's renderer fails.
        if (width > MaxSide || height > MaxSide)
        {
            throw new CliException($"--width and --height must be at most {MaxSide} pixels");
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }
        var multi = new Multiplot();
        multi.AddPlots(2);
        var acc = multi.GetPlot(0);
        var loss = multi.GetPlot(1);
        foreach (var c in curves)
        {
            double[] steps = c.Records.Select(r => (double)r.Step).ToArray();
            var a = acc.Add.Scatter(steps, c.Records.Select(r => r.ValidationAccuracy * 100).ToArray());
            a.LegendText = c.Label;
            a.MarkerSize = 0;
            var l = loss.Add.Scatter(steps, c.Records.Select(r => r.ValidationLoss).ToArray());
            l.LegendText = c.Label;
            l.MarkerSize = 0;
            l.Color = a.Color;
        }
        acc.Title("Validation accuracy" + titleSuffix);
        acc.XLabel("step");
        acc.YLabel("accuracy (%)");
        loss.Title("Validation loss" + titleSuffix);
        loss.XLabel("step");
        loss.YLabel("cross-entropy");
        acc.ShowLegend(Alignment.LowerRight);
        loss.ShowLegend(Alignment.UpperRight);
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.WriteVia(path, tmp => multi.SavePng(tmp, width, height));
    }
}
