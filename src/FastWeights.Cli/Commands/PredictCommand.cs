using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Autodiff;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights predict</c>: the answer and each digit's probability for sequences given on the command line.</summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var sequences = new Argument<string[]>("SEQUENCE") { Description = "Sequences such as c9k8j3f1??c", Arity = ArgumentArity.OneOrMore };
        var json = CommonOptions.Json();
        var cmd = new Command("predict", "Answer retrieval queries with a trained run.") { run, sequences, json };
        cmd.SetAction(p =>
        {
            var seqs = p.GetValue(sequences)!;
            var encoded = seqs.Select(s =>
            {
                if (s.Length == 0)
                {
                    throw new CliException("empty sequence");
                }
                return AssociativeRetrievalVocabulary.Encode(s);
            }).ToList();
            var (_, network) = RunDirectory.LoadNetwork(p.GetValue(run)!);
            var results = new List<(string Sequence, int Answer, float[] Probabilities)>();
            using (Tape.NoGrad())
            {
                foreach (var (s, ids) in seqs.Zip(encoded))
                {
                    var probs = Ops.Softmax(network.Forward(ids, 1, ids.Length)).ToArray();
                    results.Add((s, TensorPrimitives.IndexOfMax(probs), probs));
                }
            }
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(results.Select(r => new { sequence = r.Sequence, answer = r.Answer, probabilities = r.Probabilities })));
            }
            else
            {
                foreach (var r in results)
                {
                    var sb = new StringBuilder();
                    sb.Append(CultureInfo.InvariantCulture, $"{r.Sequence} -> {r.Answer} (p={r.Probabilities[r.Answer]:F3})  ");
                    sb.AppendJoin(' ', r.Probabilities.Select((pr, d) => string.Create(CultureInfo.InvariantCulture, $"{d}:{pr:F3}")));
                    stdout.WriteLine(sb.ToString());
                }
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
