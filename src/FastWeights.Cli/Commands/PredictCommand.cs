using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Autodiff;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary>
/// <c>fastweights predict</c>: the answer and each digit's probability for assoc sequences given on the command line,
/// or the answers at the query positions of MQAR token-id sequences.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var sequences = new Argument<string[]>("SEQUENCE")
        {
            Description = "Sequences such as c9k8j3f1??c (assoc), or quoted token ids such as \"3 9 5 12 0 3\" (mqar)",
            Arity = ArgumentArity.OneOrMore,
        };
        var json = CommonOptions.Json();
        var cmd = new Command("predict", "Answer retrieval queries with a trained run.") { run, sequences, json };
        cmd.SetAction(p =>
        {
            var seqs = p.GetValue(sequences)!;
            string dir = p.GetValue(run)!;
            var config = RunDirectory.ReadConfig(dir);
            if (config.IsSequenceRun())
            {
                return SequencePredictions.Run(stdout, dir, config, seqs, p.GetValue(json));
            }
            var encoded = EncodeAssoc(seqs);
            var (_, network) = RunDirectory.LoadNetwork(dir);
            var results = new List<(string Sequence, int Answer, float[] Probabilities)>();
            using (Tape.NoGrad())
            {
                foreach (var (s, ids) in seqs.Zip(encoded))
                {
                    var probs = Ops.Softmax(network.Forward(ids, 1, ids.Length)).ToArray();
                    results.Add((s, TensorPrimitives.IndexOfMax(probs), probs));
                }
            }
            WriteDigitAnswers(stdout, results, p.GetValue(json));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Encodes assoc sequences such as c9k8j3f1??c; a bad one throws with a one-line message.</summary>
    public static List<int[]> EncodeAssoc(string[] sequences) => sequences.Select(s =>
    {
        if (s.Length == 0)
        {
            throw new CliException("empty sequence");
        }
        return AssociativeRetrievalVocabulary.Encode(s);
    }).ToList();

    /// <summary>Prints each sequence's answer digit and the probability of every digit (or the same as JSON).</summary>
    public static void WriteDigitAnswers(TextWriter stdout, List<(string Sequence, int Answer, float[] Probabilities)> results, bool json)
    {
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(results.Select(r => new { sequence = r.Sequence, answer = r.Answer, probabilities = r.Probabilities })));
            return;
        }
        foreach (var r in results)
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"{r.Sequence} -> {r.Answer} (p={r.Probabilities[r.Answer]:F3})  ");
            sb.AppendJoin(' ', r.Probabilities.Select((pr, d) => string.Create(CultureInfo.InvariantCulture, $"{d}:{pr:F3}")));
            stdout.WriteLine(sb.ToString());
        }
    }
}
