using System.Text;
using Microsoft.ML.Tokenizers;

namespace FastWeights.Tasks.LanguageModelling;

/// <summary>The tokenizers of the language-modelling task by name (<c>--tokenizer byte|char|gpt2</c>).</summary>
public static class TextTokenizers
{
    /// <summary>The names users type.</summary>
    public static IReadOnlyList<string> Names { get; } = ["byte", "char", "gpt2"];

    /// <summary>The prefix of a tokenizer read from a Hugging Face directory's files (<see cref="HuggingFaceTokenizer"/>): <c>hf:DIR</c>.</summary>
    public const string HuggingFacePrefix = "hf:";

    /// <summary>Throws <see cref="ArgumentException"/> listing the valid names when <paramref name="name"/> is none of them.</summary>
    public static void Check(string? name)
    {
        if (name is null || !(Names.Contains(name) || (name.StartsWith(HuggingFacePrefix, StringComparison.Ordinal) && name.Length > HuggingFacePrefix.Length)))
        {
            throw new ArgumentException($"unknown --tokenizer '{name}'; valid: {string.Join(", ", Names)}, or {HuggingFacePrefix}DIR (the tokenizer files of a Hugging Face model directory)");
        }
    }

    /// <summary>
    /// The tokens of <paramref name="text"/> (decoded as UTF-8; invalid bytes become U+FFFD) by <paramref name="tokenizer"/>,
    /// with the bytes of text each covers, from the tokens' character offsets.
    /// </summary>
    internal static (int[] Ids, int[] Bytes) EncodeWithOffsets(Tokenizer tokenizer, ReadOnlySpan<byte> text)
    {
        string s = Encoding.UTF8.GetString(text);
        var tokens = tokenizer.EncodeToTokens(s, out _);
        var ids = new int[tokens.Count];
        var bytes = new int[tokens.Count];
        // Bytes before each character offset; a token ends where the next begins (the last at the end of the text).
        long covered = 0;
        int charsSeen = 0;
        long bytesSeen = 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            ids[i] = tokens[i].Id;
            int end = i + 1 < tokens.Count ? tokens[i + 1].Offset.Start.GetOffset(s.Length) : s.Length;
            if (end > charsSeen)
            {
                bytesSeen += Encoding.UTF8.GetByteCount(s.AsSpan(charsSeen, end - charsSeen));
                charsSeen = end;
            }
            bytes[i] = (int)(bytesSeen - covered);
            covered = bytesSeen;
        }
        return (ids, bytes);
    }

    /// <summary>The tokenizer <paramref name="name"/>; the char vocabulary is built from <paramref name="trainingText"/> (read only for it).</summary>
    public static ITextTokenizer Create(string name, Func<ReadOnlyMemory<byte>> trainingText)
    {
        ArgumentNullException.ThrowIfNull(trainingText);
        Check(name);
        return name switch
        {
            "byte" => new ByteTokenizer(),
            "char" => CharTokenizer.FromText(trainingText().Span),
            "gpt2" => new Gpt2Tokenizer(),
            _ => HuggingFaceTokenizer.Read(name[HuggingFacePrefix.Length..]),
        };
    }
}

/// <summary>Every UTF-8 byte is a token: vocabulary 256, any file works.</summary>
public sealed class ByteTokenizer : ITextTokenizer
{
    /// <inheritdoc/>
    public string Name => "byte";

    /// <inheritdoc/>
    public int Vocabulary => 256;

    /// <inheritdoc/>
    public (int[] Ids, int[] Bytes) Encode(ReadOnlySpan<byte> text)
    {
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            ids[i] = text[i];
        }
        var bytes = new int[text.Length];
        Array.Fill(bytes, 1);
        return (ids, bytes);
    }

    /// <inheritdoc/>
    public byte[] Bytes(int id) => [(byte)id];
}

/// <summary>
/// A character vocabulary: id 0 for characters not in it, then the distinct Unicode scalar values of the training
/// split in code-point order. Invalid UTF-8 reads as U+FFFD. The vocabulary is a function of the training split, so a
/// run rebuilds it from its <c>--data</c> file.
/// </summary>
public sealed class CharTokenizer : ITextTokenizer
{
    /// <summary>The id of characters outside the vocabulary.</summary>
    public const int UnknownId = 0;

    private readonly Rune[] characters;
    private readonly Dictionary<Rune, int> ids;

    private CharTokenizer(Rune[] characters)
    {
        this.characters = characters;
        ids = characters.Select((r, i) => (r, i + 1)).ToDictionary(p => p.r, p => p.Item2);
    }

    /// <summary>The vocabulary of <paramref name="text"/> (UTF-8).</summary>
    public static CharTokenizer FromText(ReadOnlySpan<byte> text)
    {
        var seen = new HashSet<Rune>();
        foreach (var (rune, _) in Runes(text))
        {
            seen.Add(rune);
        }
        return new CharTokenizer([.. seen.OrderBy(r => r.Value)]);
    }

    /// <inheritdoc/>
    public string Name => "char";

    /// <summary>The characters plus the unknown id.</summary>
    public int Vocabulary => characters.Length + 1;

    /// <inheritdoc/>
    public (int[] Ids, int[] Bytes) Encode(ReadOnlySpan<byte> text)
    {
        var idList = new List<int>(text.Length);
        var bytes = new List<int>(text.Length);
        foreach (var (rune, length) in Runes(text))
        {
            idList.Add(ids.TryGetValue(rune, out int id) ? id : UnknownId);
            bytes.Add(length);
        }
        return ([.. idList], [.. bytes]);
    }

    /// <summary>The id of one character, or null when it is not in the vocabulary.</summary>
    public int? Find(Rune character) => ids.TryGetValue(character, out int id) ? id : null;

    /// <inheritdoc/>
    public byte[] Bytes(int id)
    {
        if (id == UnknownId)
        {
            return Encoding.UTF8.GetBytes("\uFFFD");
        }
        var rune = characters[id - 1];
        var buffer = new byte[rune.Utf8SequenceLength];
        rune.EncodeToUtf8(buffer);
        return buffer;
    }

    /// <inheritdoc/>
    public bool IsUnknown(int id) => id == UnknownId;

    // The scalar values of UTF-8 text with the bytes each takes (invalid sequences: U+FFFD over the bytes skipped).
    private static List<(Rune Rune, int Bytes)> Runes(ReadOnlySpan<byte> text)
    {
        var list = new List<(Rune, int)>(text.Length);
        while (!text.IsEmpty)
        {
            Rune.DecodeFromUtf8(text, out var rune, out int consumed);
            list.Add((rune, consumed));
            text = text[consumed..];
        }
        return list;
    }
}

/// <summary>GPT-2's byte-level BPE (vocabulary 50,257) through Microsoft.ML.Tokenizers' Tiktoken tokenizer and its GPT-2 data package.</summary>
public sealed class Gpt2Tokenizer : ITextTokenizer
{
    private static readonly Lazy<TiktokenTokenizer> Shared = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    /// <inheritdoc/>
    public string Name => "gpt2";

    /// <summary>50,257: 50,000 merges, 256 bytes and &lt;|endoftext|&gt;.</summary>
    public int Vocabulary => 50_257;

    /// <summary>
    /// The BPE tokens of the text (decoded as UTF-8; invalid bytes become U+FFFD) with the bytes of text each covers,
    /// from the tokens' character offsets.
    /// </summary>
    public (int[] Ids, int[] Bytes) Encode(ReadOnlySpan<byte> text) => TextTokenizers.EncodeWithOffsets(Shared.Value, text);

    /// <inheritdoc/>
    public byte[] Bytes(int id) => Encoding.UTF8.GetBytes(Shared.Value.Decode([id]) ?? string.Empty);
}
