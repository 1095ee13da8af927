namespace FastWeights.Tasks.LanguageModelling;

/// <summary>
/// How the language-modelling task turns text into token ids and back (<c>--tokenizer</c>): bytes, the characters of the
/// training split, or GPT-2's byte-level BPE. Every encoding also gives the UTF-8 bytes each token stands for, so a loss
/// per token converts to bits per byte whatever the tokenizer.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>The name users type.</summary>
    string Name { get; }

    /// <summary>Token ids lie in [0, Vocabulary).</summary>
    int Vocabulary { get; }

    /// <summary>The tokens of <paramref name="text"/> and, for each, the UTF-8 bytes of the text it stands for (they sum to the text's length).</summary>
    (int[] Ids, int[] Bytes) Encode(ReadOnlySpan<byte> text);

    /// <summary>The UTF-8 bytes token <paramref name="id"/> writes (a BPE token may hold part of a character).</summary>
    byte[] Bytes(int id);

    /// <summary>Whether <paramref name="id"/> stands for text the tokenizer could not represent (the char vocabulary's unknown id).</summary>
    bool IsUnknown(int id) => false;
}
