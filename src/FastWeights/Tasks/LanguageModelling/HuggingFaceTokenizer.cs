using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace FastWeights.Tasks.LanguageModelling;

/// <summary>
/// The tokenizer saved in a Hugging Face model directory (<c>--tokenizer hf:DIR</c>), read by Microsoft.ML.Tokenizers:
/// a SentencePiece <c>tokenizer.model</c> (Llama, Mistral), a byte-level BPE with GPT-2's pre-tokenisation as <c>vocab.json</c> + <c>merges.txt</c>
/// (GPT-2 style), or a byte-level BPE <c>tokenizer.json</c>, in that order of preference. No beginning- or end-of-text
/// token is added. The vocabulary is the larger of the tokenizer's and the directory's <c>config.json</c>
/// <c>vocab_size</c> (models often pad their embedding past the tokenizer's last id).
/// </summary>
public sealed class HuggingFaceTokenizer : ITextTokenizer
{
    private readonly Tokenizer tokenizer;

    private HuggingFaceTokenizer(string directory, Tokenizer tokenizer, int vocabulary)
    {
        Directory = directory;
        this.tokenizer = tokenizer;
        Vocabulary = vocabulary;
    }

    /// <summary>The directory the files were read from.</summary>
    public string Directory { get; }

    /// <inheritdoc/>
    public string Name => TextTokenizers.HuggingFacePrefix + Directory;

    /// <inheritdoc/>
    public int Vocabulary { get; }

    /// <summary>Whether <paramref name="directory"/> holds tokenizer files <see cref="Read"/> reads.</summary>
    public static bool HasFiles(string directory)
    {
        string P(string f) => Path.Combine(directory, f);
        return File.Exists(P("tokenizer.model")) || (File.Exists(P("vocab.json")) && File.Exists(P("merges.txt"))) || File.Exists(P("tokenizer.json"));
    }

    /// <summary>The tokenizer files of <paramref name="directory"/>.</summary>
    /// <exception cref="ArgumentException">The directory has none of the supported files, or they cannot be read.</exception>
    public static HuggingFaceTokenizer Read(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ArgumentException($"--tokenizer hf:{directory}: no such directory");
        }
        if (!HasFiles(directory))
        {
            throw new ArgumentException($"--tokenizer hf:{directory}: the directory has no tokenizer.model, vocab.json + merges.txt or tokenizer.json");
        }
        string P(string f) => Path.Combine(directory, f);
        try
        {
            Tokenizer t;
            if (File.Exists(P("tokenizer.model")))
            {
                using var model = File.OpenRead(P("tokenizer.model"));
                t = LlamaTokenizer.Create(model, addBeginOfSentence: false, addEndOfSentence: false);
            }
            else if (File.Exists(P("vocab.json")) && File.Exists(P("merges.txt")))
            {
                var vocab = JsonNode.Parse(File.ReadAllText(P("vocab.json")))?.AsObject() ?? throw new FormatException("vocab.json is not a JSON object");
                t = ByteLevelBpe(vocab, File.ReadAllLines(P("merges.txt")).Where(l => !l.StartsWith("#version", StringComparison.Ordinal) && l.Length > 0));
            }
            else
            {
                t = FromTokenizerJson(P("tokenizer.json"));
            }
            int size = TokenizerSize(t);
            if (File.Exists(P("config.json")) && JsonNode.Parse(File.ReadAllText(P("config.json")))?["vocab_size"] is JsonValue v && v.TryGetValue(out int configured))
            {
                size = Math.Max(size, configured);
            }
            return new HuggingFaceTokenizer(directory, t, size);
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or FormatException or UnauthorizedAccessException or ArgumentOutOfRangeException or InvalidDataException)
        {
            throw new ArgumentException($"--tokenizer hf:{directory}: cannot read its tokenizer files ({e.Message})");
        }
    }

    // One more than the largest id of the tokenizer's vocabulary.
    private static int TokenizerSize(Tokenizer t) => t switch
    {
        BpeTokenizer b => b.Vocabulary.Values.Max() + 1,
        SentencePieceTokenizer s => s.Vocabulary.Values.Max() + 1,
        _ => throw new InvalidOperationException($"unexpected tokenizer {t.GetType().Name}"),
    };

    // A byte-level BPE tokenizer.json (Hugging Face tokenizers' format): its model's vocab and merges, given to
    // Microsoft.ML.Tokenizers as the vocab.json and merges.txt they stand for.
    private static Tokenizer FromTokenizerJson(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new FormatException("empty tokenizer.json");
        var model = root["model"] ?? throw new FormatException("tokenizer.json has no model");
        string? type = model["type"]?.GetValue<string>();
        if (type != "BPE" || root["pre_tokenizer"]?["type"]?.GetValue<string>() is not ("ByteLevel" or null))
        {
            throw new FormatException($"only byte-level BPE tokenizer.json files are read (this one is {type ?? "untyped"} with pre-tokenizer {root["pre_tokenizer"]?["type"]}); save the tokenizer as vocab.json + merges.txt or tokenizer.model");
        }
        var vocab = model["vocab"]?.AsObject() ?? throw new FormatException("tokenizer.json's model has no vocab");
        // Older files give each merge as "a b", newer ones as ["a", "b"].
        var merges = (model["merges"]?.AsArray() ?? []).Select(m => m is JsonArray pair ? $"{pair[0]} {pair[1]}" : m!.GetValue<string>());
        return ByteLevelBpe(vocab, merges);
    }

    // GPT-2's pre-tokenisation: contractions, words, numbers, other symbols, each with one leading space; then spaces.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    // A byte-level BPE (GPT-2's scheme) of a vocabulary and its merges ("a b" lines, in priority order).
    private static BpeTokenizer ByteLevelBpe(JsonObject vocab, IEnumerable<string> merges) =>
        BpeTokenizer.Create(new BpeOptions(vocab.Select(kv => new KeyValuePair<string, int>(kv.Key, kv.Value!.GetValue<int>())))
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new Regex(Gpt2Pattern, RegexOptions.Compiled), null),
        });

    /// <inheritdoc/>
    public (int[] Ids, int[] Bytes) Encode(ReadOnlySpan<byte> text) => TextTokenizers.EncodeWithOffsets(tokenizer, text);

    /// <inheritdoc/>
    public byte[] Bytes(int id) => Encoding.UTF8.GetBytes(tokenizer.Decode([id]) ?? string.Empty);
}
