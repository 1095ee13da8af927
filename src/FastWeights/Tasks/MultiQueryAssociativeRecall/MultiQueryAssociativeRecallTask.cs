using FastWeights.Tensors;

namespace FastWeights.Tasks;

/// <summary>
/// Multi-query associative recall (MQAR; Arora et al. 2023, "Zoology", §3): a sequence of T + 1 tokens starts with P
/// key–value pairs k₁ v₁ … k_P v_P (distinct keys from [1, V/2), distinct values from [V/2, V)); each key then appears
/// once more, in random order, at a random position of the rest, followed by its value; every other token is 0.
/// The model reads tokens 0 … T − 1 and predicts the next token; only the positions holding a repeated key carry a
/// target (its value), all others <see cref="TokenDataset.IgnoreIndex"/>. Query positions are drawn uniformly
/// (Zoology draws them from a power law and fills the gaps with random tokens; here the gaps are 0).
/// </summary>
public sealed class MultiQueryAssociativeRecallTask : ISequenceTask
{
    /// <summary>Creates the task; throws <see cref="ArgumentException"/> naming the option when sizes do not fit.</summary>
    public MultiQueryAssociativeRecallTask(int vocabulary = 256, int length = 64, int pairs = 4)
    {
        if (vocabulary < 4 || vocabulary % 2 != 0)
        {
            throw new ArgumentException("--vocab must be an even number of at least 4");
        }
        if (pairs < 1 || pairs > (vocabulary / 2) - 1)
        {
            throw new ArgumentException($"--kv-pairs must be between 1 and {(vocabulary / 2) - 1} (the keys are 1 … V/2 − 1)");
        }
        if (length < 4 * pairs)
        {
            throw new ArgumentException($"--length must be at least 4 × --kv-pairs = {4 * pairs} (the pairs, then each key and value again)");
        }
        Vocabulary = vocabulary;
        Length = length;
        Pairs = pairs;
    }

    /// <summary>Vocabulary size V (also the number of output classes).</summary>
    public int Vocabulary { get; }

    /// <summary>Input tokens per sequence T.</summary>
    public int Length { get; }

    /// <summary>Key–value pairs P (= queries per sequence).</summary>
    public int Pairs { get; }

    /// <summary>The first value token, V/2.</summary>
    public int FirstValue => Vocabulary / 2;

    /// <inheritdoc/>
    public string Name => "mqar";

    /// <inheritdoc/>
    public int Classes => Vocabulary;

    /// <inheritdoc/>
    public TargetLayout Targets => TargetLayout.EveryPosition;

    /// <inheritdoc/>
    public string ScoredName => "queries";

    /// <inheritdoc/>
    public string AccuracyName => "query accuracy";

    /// <inheritdoc/>
    public int[] Encode(string text) => MultiQueryAssociativeRecallText.Parse(text, Vocabulary);

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids) => MultiQueryAssociativeRecallText.Format(ids);

    /// <inheritdoc/>
    public int DeriveTargets(ReadOnlySpan<int> ids, Span<int> targets) => MultiQueryAssociativeRecallText.Targets(ids, Vocabulary, targets);

    /// <inheritdoc/>
    public void WriteTextFile(TokenDataset data, string path) => MultiQueryAssociativeRecallText.WriteFile(data, path);

    /// <inheritdoc/>
    public TokenDataset ReadTextFile(string path, double maxBytes = double.PositiveInfinity) =>
        MultiQueryAssociativeRecallText.ReadFile(path, Vocabulary, Length, MultiQueryAssociativeRecallText.MaxLineLength(Length, Vocabulary), maxBytes);

    /// <summary>Writes one example: T input ids and T targets (the value at query positions, the ignore index elsewhere).</summary>
    public void Sample(Rng rng, Span<int> inputs, Span<int> targets)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (inputs.Length != Length || targets.Length != Length)
        {
            throw new ArgumentException($"an MQAR example has {Length} inputs and {Length} targets");
        }
        int p = Pairs;
        var keys = Distinct(rng, 1, FirstValue, p);
        var values = Distinct(rng, FirstValue, Vocabulary, p);
        Span<int> seq = stackalloc int[Length + 1];
        seq.Clear();
        for (int i = 0; i < p; i++)
        {
            seq[2 * i] = keys[i];
            seq[(2 * i) + 1] = values[i];
        }
        // Query slots: P distinct non-overlapping (key, value) places in positions 2P … T; slot s covers 2P + 2s, 2P + 2s + 1
        // when the rest is cut into pairs; a random offset of the pairs inside the region keeps the positions varied.
        int region = Length + 1 - (2 * p);
        int pairsInRegion = region / 2;
        var slots = Distinct(rng, 0, pairsInRegion, p);
        int shift = rng.NextInt(region - (2 * pairsInRegion) + 1);
        var order = new int[p];
        for (int i = 0; i < p; i++)
        {
            order[i] = i;
        }
        rng.Shuffle(order.AsSpan());
        for (int i = 0; i < p; i++)
        {
            int pos = (2 * p) + shift + (2 * slots[i]);
            seq[pos] = keys[order[i]];
            seq[pos + 1] = values[order[i]];
        }
        seq[..Length].CopyTo(inputs);
        targets.Fill(TokenDataset.IgnoreIndex);
        for (int i = 0; i < p; i++)
        {
            int pos = (2 * p) + shift + (2 * slots[i]);
            targets[pos] = seq[pos + 1];
        }
    }

    /// <summary>Generates <paramref name="count"/> examples from <paramref name="seed"/>.</summary>
    public TokenDataset Generate(ulong seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var rng = new Rng(seed);
        var inputs = new int[count * Length];
        var targets = new int[count * Length];
        for (int i = 0; i < count; i++)
        {
            Sample(rng, inputs.AsSpan(i * Length, Length), targets.AsSpan(i * Length, Length));
        }
        return new TokenDataset(inputs, targets, Length);
    }

    /// <summary>Generates the three splits from one seed (independent generators per split).</summary>
    public DataSplits Generate(ulong seed, int train, int validation, int test)
    {
        var rng = new Rng(seed);
        ulong a = rng.NextUInt64(), b = rng.NextUInt64(), c = rng.NextUInt64();
        return new DataSplits(Generate(a, train), Generate(b, validation), Generate(c, test));
    }

    // `count` distinct integers from [low, high), in random order.
    private static int[] Distinct(Rng rng, int low, int high, int count)
    {
        var pool = new int[high - low];
        for (int i = 0; i < pool.Length; i++)
        {
            pool[i] = low + i;
        }
        // Partial Fisher–Yates: the first `count` entries.
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.NextInt(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..count];
    }
}
