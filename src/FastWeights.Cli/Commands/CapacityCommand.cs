using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Programmers;
using FastWeights.Programmers.Layers;
using FastWeights.Tasks;
using FastWeights.Training;
using ScottPlot;

namespace FastWeights.Cli.Commands;

/// <summary>
/// <c>fastweights capacity</c>: the associative retrieval capacity experiment of Schlag et al. 2021, §6.1 — query loss
/// against the number of keys S for the sum (linear) and delta rules; writes capacity.md, capacity.json and capacity.png.
/// </summary>
internal static class CapacityCommand
{
    public static Command Create(TextWriter stdout)
    {
        var d = new CapacityExperiment();
        var rules = new Option<string>("--rule") { Description = "Update rules, comma-separated: linear, delta, decay, gated-delta", DefaultValueFactory = _ => "linear,delta" };
        var setting = new Option<int>("--setting") { Description = "1: S distinct keys; 2: keys repeat with new values", DefaultValueFactory = _ => 1 };
        var dk = new Option<int>("--dk") { Description = "Key dimension d_k (= d_v)", DefaultValueFactory = _ => d.KeyDim };
        var keys = new Option<string>("--keys") { Description = "Numbers of keys S, comma-separated", DefaultValueFactory = _ => "20,40,60,80,100,120,160" };
        var values = new Option<int>("--values") { Description = "Value symbols V", DefaultValueFactory = _ => d.Values };
        var steps = new Option<int>("--steps") { Description = "Training steps per point", DefaultValueFactory = _ => d.Steps };
        var batch = new Option<int>("--batch") { Description = "Sequences per step", DefaultValueFactory = _ => d.Batch };
        var lr = new Option<float>("--lr") { Description = "Peak Adam learning rate", DefaultValueFactory = _ => d.LearningRate };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data and initialisation", DefaultValueFactory = _ => d.Seed };
        var featureMap = new Option<string>("--feature-map") { Description = "Feature map φ of keys and queries: identity, elu+1, relu, dpfp (ν = 1)", DefaultValueFactory = _ => "elu+1" };
        var norm = new Option<string>("--norm") { Description = "Normalisation of φ(k), φ(q): sum, l2, none", DefaultValueFactory = _ => "sum" };
        var output = new Option<string>("--out", "-o") { Description = "Directory for capacity.md, capacity.json and capacity.png", Required = true };
        var cmd = new Command("capacity", "Associative retrieval capacity (Schlag et al. 2021, §6.1): query loss against the number of keys, per update rule.")
        {
            rules, setting, dk, keys, values, steps, batch, lr, seed, featureMap, norm, output,
        };
        cmd.SetAction(p =>
        {
            var ruleList = p.GetValue(rules)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseRule).ToArray();
            var keyList = p.GetValue(keys)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
                int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k >= 1 ? k : throw new CliException($"--keys: '{s}' is not a positive integer")).ToArray();
            int set = p.GetValue(setting);
            if (set is not (1 or 2))
            {
                throw new CliException("--setting must be 1 or 2");
            }
            if (ruleList.Length == 0 || keyList.Length == 0)
            {
                throw new CliException("--rule and --keys need at least one value each");
            }
            Positive(p.GetValue(dk), "--dk");
            Positive(p.GetValue(steps), "--steps");
            Positive(p.GetValue(batch), "--batch");
            string dir = p.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var baseExperiment = d with
            {
                Setting = (CapacitySetting)set,
                KeyDim = p.GetValue(dk),
                Values = p.GetValue(values),
                Steps = p.GetValue(steps),
                Batch = p.GetValue(batch),
                LearningRate = p.GetValue(lr),
                Seed = p.GetValue(seed),
                FeatureMap = ParseFeatureMap(p.GetValue(featureMap)!),
                Normalization = ParseNormalization(p.GetValue(norm)!),
            };
            var cancel = CancellationToken.None;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var results = new List<(FastWeightRule Rule, CapacityPoint Point)>();
            foreach (var rule in ruleList)
            {
                var experiment = baseExperiment with { Rule = rule };
                foreach (int k in keyList)
                {
                    var point = experiment.Run(k, cancel);
                    results.Add((rule, point));
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{RuleName(rule),-11} S={k,4}: loss {point.Loss:F4}, accuracy {point.Accuracy * 100:F1}% ({point.Seconds:F0} s)"));
                    stdout.Flush();
                    // Rewrite the outputs after every point, so a long sweep leaves usable partial results.
                    Write(dir, baseExperiment, ruleList, keyList, results, clock.Elapsed.TotalSeconds);
                    if (cancel.IsCancellationRequested)
                    {
                        return ExitCodes.Interrupted;
                    }
                }
            }
            Write(dir, baseExperiment, ruleList, keyList, results, clock.Elapsed.TotalSeconds);
            stdout.WriteLine($"wrote {Path.Combine(dir, "capacity.md")}, capacity.json and capacity.png");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            throw new CliException($"{name} must be at least 1");
        }
    }

    private static FastWeightRule ParseRule(string s) => s.ToLowerInvariant() switch
    {
        "linear" or "sum" => FastWeightRule.Linear,
        "delta" => FastWeightRule.Delta,
        "decay" => FastWeightRule.Decay,
        "gated-delta" => FastWeightRule.GatedDelta,
        _ => throw new CliException($"unknown rule '{s}'; valid rules: linear, delta, decay, gated-delta"),
    };

    private static FeatureMap ParseFeatureMap(string s) => s.ToLowerInvariant() switch
    {
        "identity" => FeatureMap.Identity,
        "elu+1" or "elu" => FeatureMap.EluPlusOne,
        "relu" => FeatureMap.Relu,
        "dpfp" => FeatureMap.Dpfp,
        _ => throw new CliException($"unknown feature map '{s}'; valid: identity, elu+1, relu, dpfp"),
    };

    private static KeyNormalization ParseNormalization(string s) => s.ToLowerInvariant() switch
    {
        "sum" => KeyNormalization.Sum,
        "l2" => KeyNormalization.L2,
        "none" => KeyNormalization.None,
        _ => throw new CliException($"unknown normalisation '{s}'; valid: sum, l2, none"),
    };

    private static string RuleName(FastWeightRule r) => r switch
    {
        FastWeightRule.Linear => "linear",
        FastWeightRule.Delta => "delta",
        FastWeightRule.Decay => "decay",
        _ => "gated-delta",
    };

    private static void Write(string dir, CapacityExperiment e, FastWeightRule[] rules, int[] keys, List<(FastWeightRule Rule, CapacityPoint Point)> results, double seconds)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Setting {(int)e.Setting}, d_k = {e.KeyDim}, V = {e.Values}, φ = {e.FeatureMap} with {e.Normalization} normalisation, {e.Steps} steps × {e.Batch} sequences per point, seed {e.Seed}, {seconds:F0} s in all.\n\n");
        md.Append("Query loss (accuracy) against the number of keys S:\n\n| S |");
        foreach (var r in rules)
        {
            md.Append(' ').Append(RuleName(r)).Append(" |");
        }
        md.Append("\n|---:|");
        foreach (var _ in rules)
        {
            md.Append("---:|");
        }
        md.Append('\n');
        foreach (int k in keys)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {k} |");
            foreach (var r in rules)
            {
                var found = results.FirstOrDefault(x => x.Rule == r && x.Point.Keys == k);
                md.Append(found.Point is { } p ? string.Create(CultureInfo.InvariantCulture, $" {p.Loss:F3} ({p.Accuracy * 100:F1}%) |") : " – |");
            }
            md.Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, "capacity.md"), md.ToString());
        var json = new
        {
            setting = (int)e.Setting,
            dk = e.KeyDim,
            values = e.Values,
            steps = e.Steps,
            batch = e.Batch,
            learning_rate = e.LearningRate,
            seed = e.Seed,
            feature_map = e.FeatureMap.ToString(),
            normalization = e.Normalization.ToString(),
            seconds,
            points = results.Select(x => new { rule = RuleName(x.Rule), keys = x.Point.Keys, loss = x.Point.Loss, accuracy = x.Point.Accuracy, seconds = x.Point.Seconds }),
        };
        File.WriteAllText(Path.Combine(dir, "capacity.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var plot = new Plot();
        foreach (var r in rules)
        {
            var pts = results.Where(x => x.Rule == r).OrderBy(x => x.Point.Keys).ToArray();
            var s = plot.Add.Scatter(pts.Select(x => (double)x.Point.Keys).ToArray(), pts.Select(x => x.Point.Loss).ToArray());
            s.LegendText = RuleName(r);
        }
        var line = plot.Add.VerticalLine(e.KeyDim);
        line.LegendText = $"d_k = {e.KeyDim}";
        line.LinePattern = LinePattern.Dashed;
        plot.Title($"Capacity, setting {(int)e.Setting}");
        plot.XLabel("number of keys S");
        plot.YLabel("query cross-entropy");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(Path.Combine(dir, "capacity.png"), 800, 500);
    }
}
