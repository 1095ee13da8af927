using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tasks.LanguageModelling;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary>
/// <c>fastweights generate</c>: continues a prompt with a trained language model, one token at a time through the
/// model's streaming step (constant memory per token for fast-weight and recurrent models, a key–value cache for the
/// transformer), printing the text as it is produced.
/// </summary>
internal static class GenerateCommand
{
    /// <summary>Most tokens one call generates.</summary>
    public const int MaxTokens = 100_000;

    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var prompt = new Option<string>("--prompt", "-p") { Description = "Text to continue (at least one character)", Required = true };
        var tokens = new Option<int>("--tokens", "-n") { Description = $"Tokens to generate (1 to {MaxTokens})", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature", "-t") { Description = "Sampling temperature; 0 takes the most probable token", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k", "-k") { Description = "Sample among the K most probable tokens only (0: all)", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampling: the same seed gives the same text", DefaultValueFactory = _ => 1 };
        var json = CommonOptions.Json();
        var cmd = new Command("generate", "Continue a prompt with a trained language model (--task lm runs), printing each token as it is produced.") { run, prompt, tokens, temperature, topK, seed, json };
        cmd.SetAction(p =>
        {
            int n = p.GetValue(tokens);
            double temp = p.GetValue(temperature);
            int k = p.GetValue(topK);
            if (n is < 1 or > MaxTokens)
            {
                throw new CliException($"--tokens must be 1 to {MaxTokens}");
            }
            if (!(temp >= 0) || !double.IsFinite(temp))
            {
                throw new CliException("--temperature must be 0 or more");
            }
            if (k < 0)
            {
                throw new CliException("--top-k must be 0 (all tokens) or more");
            }
            string dir = p.GetValue(run)!;
            var config = RunDirectory.ReadConfig(dir);
            if (config.Task != "lm")
            {
                throw new CliException($"generate continues text with a language model; run '{dir}' is {config.Model} on --task {config.Task}");
            }
            var (_, model) = RunDirectory.LoadSequenceModel(dir);
            if (!model.SupportsStreaming)
            {
                throw new CliException($"{config.Model} cannot run one token at a time, so it cannot generate");
            }
            var task = (LanguageModelTask)TaskCatalog.Create(config);
            int[] ids;
            try
            {
                ids = task.Encode(p.GetValue(prompt)!);
            }
            catch (FormatException e)
            {
                throw new CliException($"--prompt: {e.Message}");
            }
            if (ids.Length == 0)
            {
                throw new CliException("--prompt must hold at least one character");
            }
            var generated = new List<(int Id, double P)>();
            var decoder = new UTF8Encoding(false).GetDecoder();
            bool text = !p.GetValue(json);
            var sampler = new TokenSampler(temp, k, new Rng(p.GetValue(seed)));
            foreach (var (id, probability) in Generate(model, ids, n, config.Context, sampler))
            {
                generated.Add((id, probability));
                if (text)
                {
                    // Bytes of a character may arrive over several tokens: the decoder prints each character once whole.
                    byte[] bytes = task.Tokenizer.Bytes(id);
                    var chars = new char[bytes.Length + 2];
                    int count = decoder.GetChars(bytes, 0, bytes.Length, chars, 0);
                    stdout.Write(chars, 0, count);
                    stdout.Flush();
                }
            }
            if (text)
            {
                stdout.WriteLine();
            }
            else
            {
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    prompt = p.GetValue(prompt),
                    text = task.Decode([.. generated.Select(g => g.Id)]),
                    tokens = generated.Select(g => new { id = g.Id, probability = g.P }),
                }));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>
    /// Feeds the prompt through the streaming step, then yields <paramref name="count"/> sampled tokens with their
    /// probabilities. A model with learned positions (the transformer) sees at most <paramref name="context"/> tokens:
    /// when its window is full it starts again from the last half of the text.
    /// </summary>
    internal static IEnumerable<(int Id, double Probability)> Generate(SequenceModel model, int[] prompt, int count, int context, TokenSampler sampler)
    {
        var logits = new float[model.Classes];
        var history = new List<int>(prompt);
        var state = model.CreateState(1);
        bool windowed = model.Options.MaxPositions > 0;
        foreach (int id in windowed ? prompt.TakeLast(context) : prompt)
        {
            model.Step(state, [id], logits);
        }
        for (int i = 0; i < count; i++)
        {
            var (next, probability) = sampler.Sample(logits);
            yield return (next, probability);
            history.Add(next);
            if (windowed && state.Position >= context)
            {
                state = model.CreateState(1);
                foreach (int id in history.TakeLast(context / 2))
                {
                    model.Step(state, [id], logits);
                }
                continue;
            }
            model.Step(state, [next], logits);
        }
    }
}

/// <summary>Draws a token from logits: softmax at a temperature, optionally among the K most probable (ties to the lower id).</summary>
internal sealed class TokenSampler(double temperature, int topK, Rng rng)
{
    /// <summary>The drawn token and its probability under the (temperature, top-K) distribution it was drawn from.</summary>
    public (int Id, double Probability) Sample(ReadOnlySpan<float> logits)
    {
        int v = logits.Length;
        var order = Enumerable.Range(0, v).ToArray();
        var copy = logits.ToArray();
        Array.Sort(order, (a, b) => copy[b] != copy[a] ? copy[b].CompareTo(copy[a]) : a.CompareTo(b));
        if (temperature == 0)
        {
            return (order[0], 1.0);
        }
        int keep = topK == 0 ? v : Math.Min(topK, v);
        double max = copy[order[0]];
        var weights = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++)
        {
            weights[i] = Math.Exp((copy[order[i]] - max) / temperature);
            sum += weights[i];
        }
        double u = rng.NextDouble() * sum, cumulative = 0;
        for (int i = 0; i < keep; i++)
        {
            cumulative += weights[i];
            if (u < cumulative)
            {
                return (order[i], weights[i] / sum);
            }
        }
        return (order[keep - 1], weights[keep - 1] / sum);
    }
}
