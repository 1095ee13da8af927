using FastWeights.Tensors;

namespace FastWeights.Tasks;

/// <summary>
/// The capacity task in the form of the code released with Schlag, Irie and Schmidhuber 2021 (§6.1): S keys and S
/// values (the value vocabulary is as large as the key vocabulary). A sequence is L (key, value) writes; the query is a
/// key that came after the sequence and is never written, and its target is the key's last value.
/// Setting 1: L = S, keys and values each a random permutation (every key once). Setting 2: L = 2S, keys and values
/// drawn uniformly with replacement, so keys repeat with new values and about 1 − e⁻² ≈ 86% of the S keys appear.
/// </summary>
public sealed class SchlagCapacityTask
{
    /// <summary>Creates the task for <paramref name="keys"/> keys in <paramref name="setting"/>.</summary>
    public SchlagCapacityTask(int keys, CapacitySetting setting)
    {
        if (keys < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(keys), "the capacity task needs at least 2 keys");
        }
        if (setting is not (CapacitySetting.DistinctKeys or CapacitySetting.RepeatedKeys))
        {
            throw new ArgumentException("--setting must be 1 or 2");
        }
        Keys = keys;
        Setting = setting;
    }

    /// <summary>Number of keys S (and of values).</summary>
    public int Keys { get; }

    /// <summary>Number of value symbols, equal to <see cref="Keys"/>.</summary>
    public int Values => Keys;

    /// <summary>The setting.</summary>
    public CapacitySetting Setting { get; }

    /// <summary>Writes per sequence: S (setting 1) or 2S (setting 2).</summary>
    public int Length => Setting == CapacitySetting.DistinctKeys ? Keys : 2 * Keys;

    /// <summary>
    /// Fills the writes of one sequence: <see cref="Length"/> key ids and value ids, or in setting 2 any number of writes
    /// (the released code evaluates setting 2 on sequences of S writes, half the training length).
    /// </summary>
    public void SampleWrites(Rng rng, Span<int> keyIds, Span<int> valueIds)
    {
        ArgumentNullException.ThrowIfNull(rng);
        bool fits = Setting == CapacitySetting.DistinctKeys ? keyIds.Length == Length : keyIds.Length >= 1;
        if (!fits || valueIds.Length != keyIds.Length)
        {
            throw new ArgumentException($"a capacity sequence has {Length} writes");
        }
        if (Setting == CapacitySetting.DistinctKeys)
        {
            for (int i = 0; i < Keys; i++)
            {
                keyIds[i] = i;
                valueIds[i] = i;
            }
            rng.Shuffle(keyIds);
            rng.Shuffle(valueIds);
            return;
        }
        for (int i = 0; i < keyIds.Length; i++)
        {
            keyIds[i] = rng.NextInt(Keys);
            valueIds[i] = rng.NextInt(Values);
        }
    }

    /// <summary>
    /// A training query as the released code draws it: the key at a uniformly drawn position (so keys written more
    /// often are asked more often), with its last value as the target.
    /// </summary>
    public static (int Key, int Target) SampleQuery(Rng rng, ReadOnlySpan<int> keyIds, ReadOnlySpan<int> valueIds)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int key = keyIds[rng.NextInt(keyIds.Length)];
        return (key, LastValue(keyIds, valueIds, key));
    }

    /// <summary>Every key the sequence writes, once each in order of first appearance, with its last value.</summary>
    public static List<(int Key, int Target)> AllQueries(ReadOnlySpan<int> keyIds, ReadOnlySpan<int> valueIds)
    {
        // One pass: the order of first appearance, and each key's value overwritten by its later writes.
        var order = new List<int>();
        var last = new Dictionary<int, int>();
        for (int t = 0; t < keyIds.Length; t++)
        {
            if (!last.ContainsKey(keyIds[t]))
            {
                order.Add(keyIds[t]);
            }
            last[keyIds[t]] = valueIds[t];
        }
        return order.ConvertAll(key => (key, last[key]));
    }

    /// <summary>The value of the last write of <paramref name="key"/>, or −1 if the sequence never writes it.</summary>
    public static int LastValue(ReadOnlySpan<int> keyIds, ReadOnlySpan<int> valueIds, int key)
    {
        int i = keyIds.LastIndexOf(key);
        return i < 0 ? -1 : valueIds[i];
    }
}
