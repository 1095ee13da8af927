namespace FastWeights.Tasks;

/// <summary>
/// The 37 symbols of the associative retrieval task (Ba et al. 2016, §4.1): the letters a–z (ids 0–25),
/// the digits 0–9 (ids 26–35) and '?' (id 36).
/// </summary>
public static class AssociativeRetrievalVocabulary
{
    /// <summary>Number of symbols.</summary>
    public const int Size = 37;

    /// <summary>Id of the first digit, '0'.</summary>
    public const int FirstDigit = 26;

    /// <summary>Id of '?'.</summary>
    public const int Query = 36;

    /// <summary>Number of answer classes (the digits).</summary>
    public const int Classes = 10;

    /// <summary>The id of a symbol, or −1 when it is not in the vocabulary.</summary>
    public static int IdOf(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a',
        >= '0' and <= '9' => FirstDigit + (c - '0'),
        '?' => Query,
        _ => -1,
    };

    /// <summary>The symbol of an id.</summary>
    public static char SymbolOf(int id) => id switch
    {
        >= 0 and < 26 => (char)('a' + id),
        >= FirstDigit and < FirstDigit + 10 => (char)('0' + (id - FirstDigit)),
        Query => '?',
        _ => throw new ArgumentOutOfRangeException(nameof(id), $"Symbol id {id} is outside the vocabulary [0, {Size})."),
    };

    /// <summary>Encodes a sequence; throws <see cref="FormatException"/> naming the first symbol outside the vocabulary.</summary>
    public static int[] Encode(string sequence)
    {
        var ids = new int[sequence.Length];
        for (int i = 0; i < sequence.Length; i++)
        {
            int id = IdOf(sequence[i]);
            if (id < 0)
            {
                throw new FormatException($"symbol '{sequence[i]}' at position {i + 1} of \"{sequence}\" is not in the vocabulary (a-z, 0-9, ?)");
            }
            ids[i] = id;
        }
        return ids;
    }

    /// <summary>Decodes ids to a string.</summary>
    public static string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            chars[i] = SymbolOf(ids[i]);
        }
        return new string(chars);
    }
}
