using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Experiments;
using FastWeights.Layers.FastWeightProgrammers;
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
        var s2 = new SchlagCapacityExperiment();
        var protocol = new Option<string>("--protocol")
        {
            Description = "sequence: one fast-weight layer over write and query tokens, cross-entropy over V values; " +
                "schlag: the released code of Schlag et al. (read-only query, one-hot values with V = S, squared error, early stopping)",
            DefaultValueFactory = _ => "sequence",
        };
        var rules = new Option<string>("--rule") { Description = "Update rules, comma-separated: linear, delta, decay, gated-delta (schlag: linear, delta)", DefaultValueFactory = _ => "linear,delta" };
        var setting = new Option<int>("--setting") { Description = "1: S distinct keys; 2: keys repeat with new values", DefaultValueFactory = _ => 1 };
        var dk = new Option<int>("--dk") { Description = "Key dimension d_k before φ (= d_v for the sequence protocol)", DefaultValueFactory = _ => d.KeyDim };
        var keys = new Option<string>("--keys") { Description = "Numbers of keys S, comma-separated", DefaultValueFactory = _ => "20,40,60,80,100,120,160" };
        var values = new Option<int>("--values") { Description = "Value symbols V (sequence protocol; schlag uses V = S)", DefaultValueFactory = _ => d.Values };
        var steps = new Option<int>("--steps") { Description = $"Training steps per point (schlag: the most steps, default {s2.MaxSteps}, with early stopping)", DefaultValueFactory = _ => d.Steps };
        var batch = new Option<int>("--batch") { Description = "Sequences per step", DefaultValueFactory = _ => d.Batch };
        var lr = new Option<float>("--lr") { Description = $"Peak Adam learning rate (schlag: constant, default {s2.LearningRate})", DefaultValueFactory = _ => d.LearningRate };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data and initialisation", DefaultValueFactory = _ => d.Seed };
        var featureMap = new Option<string>("--feature-map") { Description = "Feature map φ of keys and queries: identity, elu+1, relu, dpfp (ν = 1); default elu+1 (sequence) or dpfp (schlag)" };
        var norm = new Option<string>("--norm") { Description = "Normalisation of φ(k), φ(q) (sequence protocol): sum, l2, none", DefaultValueFactory = _ => "sum" };
        var output = new Option<string>("--out", "-o") { Description = "Directory for capacity.md, capacity.json and capacity.png", Required = true }.NonEmptyPath();
        var cmd = new Command("capacity", "Associative retrieval capacity (Schlag et al. 2021, §6.1): query loss against the number of keys, per update rule.")
        {
            protocol, rules, setting, dk, keys, values, steps, batch, lr, seed, featureMap, norm, output,
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
            bool schlag = p.GetValue(protocol)!.ToLowerInvariant() switch
            {
                "sequence" => false,
                "schlag" => true,
                var other => throw new CliException($"unknown protocol '{other}'; valid: sequence, schlag"),
            };
            string? map = p.GetValue(featureMap);
            string dir = p.GetValue(output)!;
            if (schlag)
            {
                if (ruleList.Any(r => r is not (FastWeightRule.Linear or FastWeightRule.Delta)))
                {
                    throw new CliException("--protocol schlag has the linear and delta rules only");
                }
                if (p.GetResult(values) is { Implicit: false } || p.GetResult(norm) is { Implicit: false })
                {
                    throw new CliException("--values and --norm do not apply to --protocol schlag (V = S; the rule sets the normalisation)");
                }
                if (keyList.Any(k => k < 2))
                {
                    throw new CliException("--keys: the schlag protocol needs at least 2 keys");
                }
                var paper = s2 with
                {
                    Setting = (CapacitySetting)set,
                    Hidden = p.GetValue(dk),
                    MaxSteps = p.GetResult(steps) is { Implicit: false } ? p.GetValue(steps) : s2.MaxSteps,
                    Batch = p.GetValue(batch),
                    LearningRate = p.GetResult(lr) is { Implicit: false } ? p.GetValue(lr) : s2.LearningRate,
                    Seed = p.GetValue(seed),
                    FeatureMap = map is null ? s2.FeatureMap : ParseFeatureMap(map),
                };
                Directory.CreateDirectory(dir);
                return Sweep(stdout, dir, ruleList, keyList, (rule, k) =>
                {
                    var pt = (paper with { Rule = rule }).Run(k);
                    return new Row(rule, k, pt.Loss, pt.Accuracy, pt.Steps, pt.Seconds, pt.ShortLoss, pt.ShortAccuracy, pt.Diverged);
                }, Describe(paper), Settings(paper), "query 0.5 · squared error", FeatureMaps.OutputDim(paper.FeatureMap, paper.Hidden));
            }
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
                FeatureMap = ParseFeatureMap(map ?? "elu+1"),
                Normalization = ParseNormalization(p.GetValue(norm)!),
            };
            return Sweep(stdout, dir, ruleList, keyList, (rule, k) =>
            {
                var pt = (baseExperiment with { Rule = rule }).Run(k);
                return new Row(rule, k, pt.Loss, pt.Accuracy, pt.Steps, pt.Seconds, null, null, pt.Diverged);
            }, Describe(baseExperiment), Settings(baseExperiment), "query cross-entropy", baseExperiment.KeyDim);
        });
        return cmd;
    }

    // One trained point of a sweep; a diverged point has no loss or accuracy (they are NaN) and is recorded as diverged.
    private sealed record Row(FastWeightRule Rule, int Keys, double Loss, double Accuracy, int Steps, double Seconds, double? ShortLoss, double? ShortAccuracy, bool Diverged);

    private static int Sweep(TextWriter stdout, string dir, FastWeightRule[] rules, int[] keys, Func<FastWeightRule, int, Row> run,
        Func<double, string> header, object settings, string lossName, int keyDim)
    {
        // One capacity sweep per output directory: a second would interleave its points with this one's.
        using var writer = RunLock.Acquire(dir);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = new List<Row>();
        foreach (var rule in rules)
        {
            foreach (int k in keys)
            {
                var row = run(rule, k);
                results.Add(row);
                stdout.WriteLine(row.Diverged
                    ? string.Create(CultureInfo.InvariantCulture, $"{RuleName(rule),-11} S={k,4}: diverged after {row.Steps} steps ({row.Seconds:F0} s); recorded as diverged, going on")
                    : string.Create(CultureInfo.InvariantCulture, $"{RuleName(rule),-11} S={k,4}: loss {row.Loss:F4}, accuracy {row.Accuracy * 100:F1}% ({row.Steps} steps, {row.Seconds:F0} s)"));
                stdout.Flush();
                // Rewrite the outputs after every point, so a long sweep leaves usable partial results.
                Write(dir, rules, keys, results, header(clock.Elapsed.TotalSeconds), settings, clock.Elapsed.TotalSeconds, lossName, keyDim);
            }
        }
        stdout.WriteLine($"wrote {Path.Combine(dir, "capacity.md")}, capacity.json and capacity.png");
        return ExitCodes.Ok;
    }

    private static Func<double, string> Describe(CapacityExperiment e) => seconds => string.Create(CultureInfo.InvariantCulture,
        $"Setting {(int)e.Setting}, d_k = {e.KeyDim}, V = {e.Values}, φ = {e.FeatureMap} with {e.Normalization} normalisation, {e.Steps} steps × {e.Batch} sequences per point, seed {e.Seed}, {seconds:F0} s in all.");

    private static Func<double, string> Describe(SchlagCapacityExperiment e) => seconds => string.Create(CultureInfo.InvariantCulture,
        $"Protocol of Schlag et al.'s released code: setting {(int)e.Setting}, d = {e.Hidden}, φ = {e.FeatureMap} ({FeatureMaps.OutputDim(e.FeatureMap, e.Hidden)} features), V = S, " +
        $"Adam {e.LearningRate}, batch {e.Batch}, at most {e.MaxSteps} steps with early stopping, final evaluation on {e.FinalSequences} sequences (every written key queried), seed {e.Seed}, {seconds:F0} s in all.");

    private static object Settings(CapacityExperiment e) => new
    {
        protocol = "sequence",
        setting = (int)e.Setting,
        dk = e.KeyDim,
        values = e.Values,
        steps = e.Steps,
        batch = e.Batch,
        learning_rate = e.LearningRate,
        seed = e.Seed,
        feature_map = e.FeatureMap.ToString(),
        normalization = e.Normalization.ToString(),
    };

    private static object Settings(SchlagCapacityExperiment e) => new
    {
        protocol = "schlag",
        setting = (int)e.Setting,
        hidden = e.Hidden,
        feature_dim = FeatureMaps.OutputDim(e.FeatureMap, e.Hidden),
        max_steps = e.MaxSteps,
        batch = e.Batch,
        learning_rate = e.LearningRate,
        seed = e.Seed,
        feature_map = e.FeatureMap.ToString(),
        final_sequences = e.FinalSequences,
    };

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

    private static void Table(StringBuilder md, string title, FastWeightRule[] rules, int[] keys, List<Row> results, Func<Row, (double Loss, double Accuracy)> pick)
    {
        md.Append(title).Append("\n\n| S |");
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
                var found = results.FirstOrDefault(x => x.Rule == r && x.Keys == k);
                if (found is null)
                {
                    md.Append(" – |");
                    continue;
                }
                if (found.Diverged)
                {
                    md.Append(CultureInfo.InvariantCulture, $" diverged ({found.Steps}) |");
                    continue;
                }
                var (loss, accuracy) = pick(found);
                md.Append(CultureInfo.InvariantCulture, $" {loss:F3} ({accuracy * 100:F1}%; {found.Steps}) |");
            }
            md.Append('\n');
        }
    }

    // A point of capacity.json; a diverged one says so and has null losses (JSON has no NaN). Points that did not
    // diverge keep the fields they always had, in the same order.
    private static System.Text.Json.Nodes.JsonObject Point(Row x)
    {
        var point = new System.Text.Json.Nodes.JsonObject { ["rule"] = RuleName(x.Rule), ["keys"] = x.Keys };
        if (x.Diverged)
        {
            point["diverged"] = true;
        }
        point["loss"] = Finite(x.Loss);
        point["accuracy"] = Finite(x.Accuracy);
        point["short_loss"] = x.ShortLoss is { } sl ? Finite(sl) : null;
        point["short_accuracy"] = x.ShortAccuracy is { } sa ? Finite(sa) : null;
        point["steps"] = x.Steps;
        point["seconds"] = x.Seconds;
        return point;
    }

    // JSON has no NaN: a value that is not finite is written as null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static void Write(string dir, FastWeightRule[] rules, int[] keys, List<Row> results, string header, object settings, double seconds, string lossName, int keyDim)
    {
        var md = new StringBuilder();
        md.Append(header).Append("\n\n");
        Table(md, "Query loss (accuracy; steps trained) against the number of keys S:", rules, keys, results, r => (r.Loss, r.Accuracy));
        if (results.Any(r => r.ShortLoss is not null))
        {
            Table(md, "\nThe same models evaluated on sequences of S writes, the length at which the released code evaluates:", rules, keys, results,
                r => (r.ShortLoss ?? double.NaN, r.ShortAccuracy ?? double.NaN));
        }
        if (results.Any(r => r.Diverged))
        {
            md.Append("\nA point marked diverged stopped training (its loss became non-finite or stayed far above its best) after the steps given; it has no loss.\n");
        }
        AtomicFile.WriteAllText(Path.Combine(dir, "capacity.md"), md.ToString());
        var json = new
        {
            settings,
            loss = lossName,
            seconds,
            points = results.Select(Point),
        };
        AtomicFile.WriteAllText(Path.Combine(dir, "capacity.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var plot = new Plot();
        foreach (var r in rules)
        {
            var pts = results.Where(x => x.Rule == r && !x.Diverged).OrderBy(x => x.Keys).ToArray();
            var s = plot.Add.Scatter(pts.Select(x => (double)x.Keys).ToArray(), pts.Select(x => x.Loss).ToArray());
            s.LegendText = RuleName(r);
        }
        var line = plot.Add.VerticalLine(keyDim);
        line.LegendText = $"key features = {keyDim}";
        line.LinePattern = LinePattern.Dashed;
        plot.Title("Capacity");
        plot.XLabel("number of keys S");
        plot.YLabel(lossName);
        plot.ShowLegend(Alignment.UpperLeft);
        AtomicFile.WriteVia(Path.Combine(dir, "capacity.png"), tmp => plot.SavePng(tmp, 800, 500));
    }
}
