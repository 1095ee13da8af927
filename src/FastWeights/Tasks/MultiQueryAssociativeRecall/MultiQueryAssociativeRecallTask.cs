using FastWeights.Tensors;

namespace FastWeights.Tasks;

/// <summary>Where an MQAR sequence's queries go and what fills the rest (<c>--query-layout</c>).</summary>
public enum MqarQueryLayout
{
    /// <summary>
    /// Zoology's <c>multiquery_ar</c> (HazyResearch/zoology, <c>zoology/data/associative_recall.py</c>): after the P
    /// pairs (C = 2P tokens), key i is queried at C + 2gᵢ, the gaps gᵢ distinct in [0, (T − C)/2) with
    /// p(g) ∝ (g + 1)^(a − 1), a = 0.01; the query's target is its value, which is not in the input; every other
    /// position holds a random token from [0, V). Needs T even, V &gt; T and 4P ≤ T.
    /// </summary>
    Zoology,

    /// <summary>
    /// This project's first layout: each key queried once, in random order, at uniformly drawn non-overlapping places,
    /// each query followed by its value in the input; zeros elsewhere.
    /// </summary>
    Answered,
}

/// <summary>
/// Multi-query associative recall (MQAR; Arora et al. 2023, "Zoology", §3): a sequence of T tokens starts with P
/// key–value pairs k₁ v₁ … k_P v_P (distinct keys from [1, V/2), distinct values from [V/2, V)); each key then appears
/// once more, where <see cref="MqarQueryLayout"/> puts it. The model reads the tokens and predicts the next one; only
/// the positions holding a query carry a target (its value), all others <see cref="TokenDataset.IgnoreIndex"/>.
/// </summary>
public sealed class MultiQueryAssociativeRecallTask : ISequenceTask
{
    /// <summary>Zoology's power-law exponent a of the query gaps (its default, for training and test alike).</summary>
    public const double GapPower = 0.01;

    /// <summary>Creates the task; throws <see cref="ArgumentException"/> naming the option when sizes do not fit.</summary>
    public MultiQueryAssociativeRecallTask(int vocabulary = 256, int length = 64, int pairs = 4, MqarQueryLayout layout = MqarQueryLayout.Zoology)
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
        if (layout == MqarQueryLayout.Zoology && (length % 2 != 0 || vocabulary <= length))
        {
            throw new ArgumentException($"--query-layout zoology needs an even --length below --vocab (Zoology's conditions), not --length {length} with --vocab {vocabulary}; --query-layout answered takes any");
        }
        Vocabulary = vocabulary;
        Length = length;
        Pairs = pairs;
        Layout = layout;
    }

    // Zoology's gap weights p(g) ∝ (g + 1)^(a − 1) over the (T − 2P)/2 places after the pairs: made at the first example,
    // not with the task, whose sizes the memory estimate has not checked yet.
    private double[]? gapWeights;

    private double[] GapWeights()
    {
        if (gapWeights is null)
        {
            var weights = new double[(Length - (2 * Pairs)) / 2];
            for (int g = 0; g < weights.Length; g++)
            {
                weights[g] = GapPower * Math.Pow(g + 1, GapPower - 1);
            }
            gapWeights = weights;
        }
        return gapWeights;
    }

    /// <summary>The layout a <c>--query-layout</c> value names; throws <see cref="ArgumentException"/> listing the valid ones.</summary>
    public static MqarQueryLayout ParseLayout(string name)
    {
        foreach (var layout in Enum.GetValues<MqarQueryLayout>())
        {
            if (string.Equals(layout.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                return layout;
            }
        }
        throw new ArgumentException($"unknown --query-layout '{name}'; valid: zoology, answered");
    }

    /// <summary>Where the queries go.</summary>
    public MqarQueryLayout Layout { get; }

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
    public (int[] Ids, int[] Targets) EncodeExample(string text) => MultiQueryAssociativeRecallText.Example(text, Vocabulary);

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
        inputs.Clear();
        targets.Fill(TokenDataset.IgnoreIndex);
        for (int i = 0; i < p; i++)
        {
            inputs[2 * i] = keys[i];
            inputs[(2 * i) + 1] = values[i];
        }
        if (Layout == MqarQueryLayout.Zoology)
        {
            SampleZoologyQueries(rng, keys, values, inputs, targets);
        }
        else
        {
            SampleAnsweredQueries(rng, keys, values, inputs, targets);
        }
    }

    // Zoology: key i at 2P + 2gᵢ with power-law gaps, its value the target there; random tokens everywhere else after the pairs.
    private void SampleZoologyQueries(Rng rng, int[] keys, int[] values, Span<int> inputs, Span<int> targets)
    {
        int context = 2 * Pairs;
        var gaps = WeightedDistinct(rng, GapWeights(), Pairs);
        for (int i = 0; i < Pairs; i++)
        {
            int pos = context + (2 * gaps[i]);
            inputs[pos] = keys[i];
            targets[pos] = values[i];
        }
        // Every position after the pairs that is not a query (it has no target) holds a random token.
        for (int pos = context; pos < Length; pos++)
        {
            if (targets[pos] == TokenDataset.IgnoreIndex)
            {
                inputs[pos] = rng.NextInt(Vocabulary);
            }
        }
    }

    // This project's first layout: P distinct non-overlapping (key, value) slots in positions 2P … T; slot s covers
    // 2P + 2s, 2P + 2s + 1 when the rest is cut into pairs; a random offset of the pairs inside the region keeps the
    // positions varied; zeros elsewhere. The value of the last slot may fall just past the T inputs.
    private void SampleAnsweredQueries(Rng rng, int[] keys, int[] values, Span<int> inputs, Span<int> targets)
    {
        int p = Pairs;
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
            inputs[pos] = keys[order[i]];
            if (pos + 1 < Length)
            {
                inputs[pos + 1] = values[order[i]];
            }
            targets[pos] = values[order[i]];
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

    // `count` distinct indices of `weights`, drawn one after another with probability proportional to the weights of
    // those not yet drawn (sampling without replacement, as numpy's choice(replace=False, p=…) does).
    private static int[] WeightedDistinct(Rng rng, double[] weights, int count)
    {
        var left = (double[])weights.Clone();
        var drawn = new int[count];
        for (int c = 0; c < count; c++)
        {
            double total = 0;
            foreach (double w in left)
            {
                total += w;
            }
            double u = rng.NextDouble() * total;
            int pick = -1;
            for (int i = 0; i < left.Length; i++)
            {
                if (left[i] <= 0)
                {
                    continue;
                }
                pick = i;
                u -= left[i];
                if (u < 0)
                {
                    break;
                }
            }
            drawn[c] = pick;
            left[pick] = 0;
        }
        return drawn;
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
