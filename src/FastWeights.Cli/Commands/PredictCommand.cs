using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastWeights.Autodiff;
using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary>
/// <c>fastweights predict</c>: for a one-answer task (assoc) the answer and each class's probability for every
/// sequence given; for a task scored at some positions (mqar) the answer at each of those positions.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var sequences = new Argument<string[]>("SEQUENCE")
        {
            Description = "Sequences such as c9k8j3f1??c (assoc), quoted token ids such as \"3 9 5 12 0 3\" (mqar), or image files of 28×28 pixels, PNG or PGM (glimpses)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var images = new Option<int[]>("--image") { Description = "Image runs: classify the N-th image of the run's test split (repeatable)", AllowMultipleArgumentsPerToken = true };
        var json = CommonOptions.Json();
        var allPositions = new Option<bool>("--all-positions") { Description = "Per-position models: the log-probability of every class at every position, as JSON (for comparing with other tools)" };
        var cmd = new Command("predict", "Answer with a trained run: retrieval queries, or the class of images.") { run, sequences, images, json, allPositions };
        cmd.SetAction(p =>
        {
            var seqs = p.GetValue(sequences) ?? [];
            // A sequence never starts like an option: '--form explicit' is an option predict does not take, not two
            // sequences (after '--' every token is a sequence).
            if (!p.Tokens.Any(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash)
                && seqs.FirstOrDefault(q => q.StartsWith("--", StringComparison.Ordinal) || (q.Length > 1 && q[0] == '-' && char.IsAsciiLetter(q[1]))) is { } option)
            {
                throw new CliException($"unknown option '{option}' for predict (see 'fastweights predict --help'; put '--' before a sequence that starts with '-')");
            }
            var indices = p.GetValue(images) ?? [];
            string dir = p.GetValue(run)!;
            var config = RunDirectory.ReadConfig(dir);
            var task = TaskCatalog.Create(config);
            if (indices.Length > 0)
            {
                return PredictTestImages(stdout, dir, task, indices, p.GetValue(json));
            }
            if (seqs.Length == 0)
            {
                throw new CliException("give at least one sequence (or --image N for an image run)");
            }
            if (p.GetValue(allPositions))
            {
                return PredictAllPositions(stdout, dir, task, seqs);
            }
            return task.Targets == TargetLayout.OnePerSequence
                ? PredictAnswers(stdout, dir, task, seqs, p.GetValue(json))
                : PredictAtPositions(stdout, dir, task, seqs, p.GetValue(json));
        });
        return cmd;
    }

    // The class of test images of an image run, beside their labels.
    private static int PredictTestImages(TextWriter stdout, string dir, ISequenceTask task, int[] indices, bool json)
    {
        if (task.Image is null)
        {
            throw new CliException($"--image is for image runs; run '{dir}' is on --task {task.Name}");
        }
        var (config, model) = RunDirectory.LoadModel(dir);
        var test = RunDirectory.Splits(config, model).Test;
        var examples = indices.Select(n => n >= 0 && n < test.Count
            ? new Example(string.Create(CultureInfo.InvariantCulture, $"test image {n} (label {test.TargetsOf(n)[^1]})"), test.Sequence(n).ToArray(), n, test.TargetsOf(n)[^1])
            : throw new CliException($"--image {n}: the run's test split holds images 0 to {test.Count - 1}")).ToList();
        return WriteAnswers(stdout, model, examples, json);
    }

    // One answer per sequence, read at its last position.
    private static int PredictAnswers(TextWriter stdout, string dir, ISequenceTask task, string[] sequences, bool json)
    {
        var examples = sequences.Select(s => new Example(s, s.Length == 0 ? throw new CliException("empty sequence")
            : task.Image is { } shape && PngImage.Handles(s) ? PngImage.Read(s, shape) : task.Encode(s), null, null)).ToList();
        var (_, model) = RunDirectory.LoadModel(dir);
        return WriteAnswers(stdout, model, examples, json);
    }

    // The answer of a one-answer model and every class's probability, one line (or one JSON object) per example.
    private static int WriteAnswers(TextWriter stdout, TokenModel model, IReadOnlyList<Example> examples, bool json)
    {
        var results = new JsonArray();
        foreach (var e in examples)
        {
            var rows = Logits(model, e.Ids);
            var probs = Softmax(rows.AsSpan(rows.Length - model.Classes, model.Classes));
            int answer = TensorPrimitives.IndexOfMax(probs);
            if (!json)
            {
                var sb = new StringBuilder();
                sb.Append(CultureInfo.InvariantCulture, $"{e.Text} -> {answer} (p={probs[answer]:F3})  ");
                sb.AppendJoin(' ', probs.Select((pr, d) => string.Create(CultureInfo.InvariantCulture, $"{d}:{pr:F3}")));
                stdout.WriteLine(sb.ToString());
                continue;
            }
            var item = e.Image is { } image ? new JsonObject { ["image"] = image, ["label"] = e.Label } : new JsonObject { ["sequence"] = e.Text };
            item["answer"] = answer;
            item["probabilities"] = new JsonArray([.. probs.Select(pr => (JsonNode?)pr)]);
            results.Add(item);
        }
        if (json)
        {
            stdout.WriteLine(results.ToJsonString());
        }
        return ExitCodes.Ok;
    }

    // The answer at every position the task scores (MQAR: the query positions).
    private static int PredictAtPositions(TextWriter stdout, string dir, ISequenceTask task, string[] sequences, bool json)
    {
        var parsed = new List<(int[] Ids, int[] Targets)>();
        foreach (var s in sequences)
        {
            try
            {
                parsed.Add(task.EncodeExample(s));
            }
            catch (FormatException e)
            {
                throw new CliException($"sequence \"{s}\": {e.Message}; quote each sequence, for example \"3 9 5 12 0 3\"");
            }
        }
        var (_, model) = RunDirectory.LoadModel(dir);
        var answers = new List<(string Sequence, List<Query> Queries)>();
        foreach (var (ids, targets) in parsed)
        {
            var rows = Logits(model, ids);
            var queries = new List<Query>();
            for (int t = 0; t < ids.Length; t++)
            {
                if (targets[t] == TokenDataset.IgnoreIndex)
                {
                    continue;
                }
                var probs = Softmax(rows.AsSpan(t * model.Classes, model.Classes));
                int answer = TensorPrimitives.IndexOfMax(probs);
                queries.Add(new Query(t + 1, ids[t], answer, probs[answer], targets[t]));
            }
            answers.Add((task.Decode(ids), queries));
        }
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(answers.Select(a => new
            {
                sequence = a.Sequence,
                queries = a.Queries.Select(q => new { position = q.Position, key = q.Key, answer = q.Answer, probability = q.Probability, expected = q.Expected }),
            })));
            return ExitCodes.Ok;
        }
        foreach (var (sequence, queries) in answers)
        {
            var sb = new StringBuilder(sequence).Append(" ->");
            foreach (var q in queries)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {q.Key}:{q.Answer} (p={q.Probability:F3}{(q.Answer == q.Expected ? "" : $", expected {q.Expected}")})");
            }
            stdout.WriteLine(sb.ToString());
        }
        return ExitCodes.Ok;
    }

    // Log-probabilities of every class at every position of each sequence (per-position models), as one JSON array.
    private static int PredictAllPositions(TextWriter stdout, string dir, ISequenceTask task, string[] sequences)
    {
        var (_, model) = RunDirectory.LoadModel(dir);
        if (model.Predicts != TargetLayout.EveryPosition)
        {
            throw new CliException($"--all-positions is for models that predict at every position; run '{dir}' ({model.GetType().Name}) gives one answer per sequence");
        }
        var results = new JsonArray();
        foreach (var s in sequences)
        {
            int[] ids;
            try
            {
                ids = task.Encode(s);
            }
            catch (FormatException e)
            {
                throw new CliException(e.Message);
            }
            if (ids.Length == 0)
            {
                throw new CliException("empty sequence");
            }
            var rows = Logits(model, ids);
            var positions = new JsonArray();
            for (int t = 0; t < ids.Length; t++)
            {
                var logp = new float[model.Classes];
                var row = rows.AsSpan(t * model.Classes, model.Classes);
                // log softmax: x − max − log Σ exp(x − max)
                float max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, logp);
                double logSum = Math.Log(logp.Sum(v => Math.Exp(v)));
                positions.Add(new JsonObject
                {
                    ["position"] = t + 1,
                    ["token"] = ids[t],
                    ["log_probabilities"] = new JsonArray([.. logp.Select(v => (JsonNode?)(v - logSum))]),
                });
            }
            results.Add(new JsonObject { ["sequence"] = s, ["tokens"] = new JsonArray([.. ids.Select(i => (JsonNode?)i)]), ["positions"] = positions });
        }
        stdout.WriteLine(results.ToJsonString());
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The logits of one sequence, row after row ([1, classes] for a one-answer model, [T, classes] otherwise): a
    /// per-position model runs token by token through <see cref="SequenceModel.Step(SequenceModelState, ReadOnlySpan{int})"/>
    /// when every mixer can stream (constant memory for the fast-weight models), otherwise the full forward pass.
    /// </summary>
    public static float[] Logits(TokenModel model, int[] ids)
    {
        using var _ = Tape.NoGrad();
        if (model is not SequenceModel sequenceModel)
        {
            return model.Forward(ids, 1, ids.Length).ToArray();
        }
        int max = sequenceModel.Options.MaxPositions;
        if (max > 0 && ids.Length > max)
        {
            throw new CliException($"this model has learned positions for {max} tokens; a sequence of {ids.Length} is too long");
        }
        if (!sequenceModel.SupportsStreaming)
        {
            return sequenceModel.Forward(ids, 1, ids.Length).ToArray();
        }
        int c = sequenceModel.Classes;
        var rows = new float[ids.Length * c];
        var state = sequenceModel.CreateState(1);
        for (int t = 0; t < ids.Length; t++)
        {
            sequenceModel.Step(state, ids.AsSpan(t, 1)).Span.CopyTo(rows.AsSpan(t * c, c));
        }
        return rows;
    }

    private static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var p = new float[logits.Length];
        TensorPrimitives.SoftMax(logits, p);
        return p;
    }

    // An example to answer: how it is shown, its ids, and for a test image its index and label.
    private sealed record Example(string Text, int[] Ids, int? Image, int? Label);

    private sealed record Query(int Position, int Key, int Answer, float Probability, int Expected);
}
