using FastWeights.Tensors;

namespace FastWeights.Tasks;

/// <summary>
/// The associative retrieval capacity experiment of Schlag et al. 2021 (§6.1): a memory of S keys (key ids 0 … S − 1, the
/// same S keys in every sequence, in random order) and values drawn uniformly from V symbols. A write token carries a
/// key and a value; a query token carries a key and the "no value" symbol V. Setting 1: the S keys are written once each
/// (T_write = S); setting 2: then S more writes with keys drawn with replacement and fresh values (T_write = 2S). Then the
/// S keys are queried in random order; the target of a query is the key's latest value. Loss and accuracy at queries only.
/// </summary>
public sealed class CapacityTask
{
    /// <summary>Creates the task for <paramref name="keys"/> keys and <paramref name="values"/> value symbols.</summary>
    public CapacityTask(int keys, int values = 32, CapacitySetting setting = CapacitySetting.DistinctKeys)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keys);
        if (values < 2)
        {
            throw new ArgumentException("the capacity task needs at least 2 values");
        }
        if (setting is not (CapacitySetting.DistinctKeys or CapacitySetting.RepeatedKeys))
        {
            throw new ArgumentException("--setting must be 1 or 2");
        }
        Keys = keys;
        Values = values;
        Setting = setting;
    }

    /// <summary>Number of keys S.</summary>
    public int Keys { get; }

    /// <summary>Number of value symbols V (the query token's value id is V).</summary>
    public int Values { get; }

    /// <summary>The setting.</summary>
    public CapacitySetting Setting { get; }

    /// <summary>Write tokens per sequence (S or 2S).</summary>
    public int Writes => Setting == CapacitySetting.DistinctKeys ? Keys : 2 * Keys;

    /// <summary>Tokens per sequence: writes then S queries.</summary>
    public int Length => Writes + Keys;

    /// <summary>The value id of query tokens.</summary>
    public int NoValue => Values;

    /// <summary>Writes one sequence: key ids, value ids (V at queries) and targets (ignore index at writes).</summary>
    public void Sample(Rng rng, Span<int> keyIds, Span<int> valueIds, Span<int> targets)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (keyIds.Length != Length || valueIds.Length != Length || targets.Length != Length)
        {
            throw new ArgumentException($"a capacity sequence has {Length} tokens");
        }
        int s = Keys;
        var latest = new int[s];
        var order = new int[s];
        for (int i = 0; i < s; i++)
        {
            order[i] = i;
        }
        rng.Shuffle(order.AsSpan());
        targets.Fill(TokenDataset.IgnoreIndex);
        int t = 0;
        for (int i = 0; i < s; i++, t++)
        {
            keyIds[t] = order[i];
            valueIds[t] = latest[order[i]] = rng.NextInt(Values);
        }
        if (Setting == CapacitySetting.RepeatedKeys)
        {
            for (int i = 0; i < s; i++, t++)
            {
                int key = rng.NextInt(s);
                keyIds[t] = key;
                valueIds[t] = latest[key] = rng.NextInt(Values);
            }
        }
        rng.Shuffle(order.AsSpan());
        for (int i = 0; i < s; i++, t++)
        {
            keyIds[t] = order[i];
            valueIds[t] = NoValue;
            targets[t] = latest[order[i]];
        }
    }

    /// <summary>Fills a batch of <paramref name="batch"/> sequences (arrays of batch × <see cref="Length"/>).</summary>
    public void SampleBatch(Rng rng, int batch, int[] keyIds, int[] valueIds, int[] targets)
    {
        ArgumentNullException.ThrowIfNull(keyIds);
        ArgumentNullException.ThrowIfNull(valueIds);
        ArgumentNullException.ThrowIfNull(targets);
        int n = Length;
        for (int b = 0; b < batch; b++)
        {
            Sample(rng, keyIds.AsSpan(b * n, n), valueIds.AsSpan(b * n, n), targets.AsSpan(b * n, n));
        }
    }
}
