using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Autodiff;
using FastWeights.Programmers.Layers;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary>
/// <c>fastweights predict</c> for sequence runs: on assoc the answer digit at the last position (as for the recurrent
/// models), on MQAR the value the model reads out at each query position of token-id sequences.
/// </summary>
internal static class SequencePredictions
{
    public static int Run(TextWriter stdout, string dir, TrainingConfig config, string[] sequences, bool json)
    {
        if (!RunData.IsMqar(config))
        {
            var encoded = PredictCommand.EncodeAssoc(sequences);
            var (_, assocModel) = RunDirectory.LoadSequenceModel(dir);
            var results = new List<(string Sequence, int Answer, float[] Probabilities)>();
            foreach (var (s, ids) in sequences.Zip(encoded))
            {
                var rows = Logits(assocModel, ids);
                var probs = Softmax(rows.AsSpan((ids.Length - 1) * assocModel.Classes, assocModel.Classes));
                results.Add((s, TensorPrimitives.IndexOfMax(probs), probs));
            }
            PredictCommand.WriteDigitAnswers(stdout, results, json);
            return ExitCodes.Ok;
        }

        int vocab = config.Vocab;
        var parsed = new List<(int[] Ids, int[] Targets)>();
        foreach (var s in sequences)
        {
            var ids = MultiQueryAssociativeRecallText.Parse(s, vocab);
            var targets = new int[ids.Length];
            if (MultiQueryAssociativeRecallText.Targets(ids, vocab, targets) == 0)
            {
                throw new CliException($"sequence \"{s}\" has no query (a key token 1 … {(vocab / 2) - 1} that appeared earlier); quote each sequence, for example \"3 9 5 12 0 3\"");
            }
            parsed.Add((ids, targets));
        }
        var (_, model) = RunDirectory.LoadSequenceModel(dir);
        var answers = new List<(string Sequence, List<Query> Queries)>();
        foreach (var (ids, targets) in parsed)
        {
            var rows = Logits(model, ids);
            var queries = new List<Query>();
            for (int t = 0; t < ids.Length; t++)
            {
                if (targets[t] == PositionalDataset.IgnoreIndex)
                {
                    continue;
                }
                var probs = Softmax(rows.AsSpan(t * model.Classes, model.Classes));
                int answer = TensorPrimitives.IndexOfMax(probs);
                queries.Add(new Query(t + 1, ids[t], answer, probs[answer], targets[t]));
            }
            answers.Add((MultiQueryAssociativeRecallText.Format(ids), queries));
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

    /// <summary>
    /// The logits [T, classes] of one sequence, row after row: token by token through <see cref="SequenceModel.Step(SequenceModelState, ReadOnlySpan{int})"/>
    /// when every mixer can stream (constant memory for the fast-weight models), otherwise the full forward pass.
    /// </summary>
    public static float[] Logits(SequenceModel model, int[] ids)
    {
        int max = model.Options.MaxPositions;
        if (max > 0 && ids.Length > max)
        {
            throw new CliException($"this model has learned positions for {max} tokens; a sequence of {ids.Length} is too long");
        }
        using var _ = Tape.NoGrad();
        if (!model.SupportsStreaming)
        {
            return model.Forward(ids, 1, ids.Length).ToArray();
        }
        int c = model.Classes;
        var rows = new float[ids.Length * c];
        var state = model.CreateState(1);
        for (int t = 0; t < ids.Length; t++)
        {
            model.Step(state, ids.AsSpan(t, 1)).Span.CopyTo(rows.AsSpan(t * c, c));
        }
        return rows;
    }

    private static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var p = new float[logits.Length];
        TensorPrimitives.SoftMax(logits, p);
        return p;
    }

    private sealed record Query(int Position, int Key, int Answer, float Probability, int Expected);
}
