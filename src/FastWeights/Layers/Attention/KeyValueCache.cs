namespace FastWeights.Layers.Attention;

/// <summary>
/// The streaming state of a <see cref="SoftmaxAttentionLayer"/>: the keys and values of every token so far, position
/// after position, each position a [B, H·d] block. Unlike the fast-weight states it grows with every token.
/// </summary>
internal sealed class KeyValueCache(int batch, int width) : SequenceMixerState
{
    /// <summary>Sequences B.</summary>
    public int Batch { get; } = batch;

    /// <summary>Floats per position and sequence, H·d.</summary>
    public int Width { get; } = width;

    /// <summary>Cached keys, [capacity, B, H·d]; the first <see cref="SequenceMixerState.Position"/> positions are filled.</summary>
    public float[] Keys { get; private set; } = new float[batch * width * 16];

    /// <summary>Cached values, same layout as <see cref="Keys"/>.</summary>
    public float[] Values { get; private set; } = new float[batch * width * 16];

    /// <summary>Appends the keys and values [B, H·d] of the next token (doubling the storage when full).</summary>
    public void Append(ReadOnlySpan<float> k, ReadOnlySpan<float> v)
    {
        int block = Batch * Width;
        if ((Position + 1) * block > Keys.Length)
        {
            var keys = Keys;
            var values = Values;
            Array.Resize(ref keys, Keys.Length * 2);
            Array.Resize(ref values, Values.Length * 2);
            Keys = keys;
            Values = values;
        }
        k.CopyTo(Keys.AsSpan(Position * block, block));
        v.CopyTo(Values.AsSpan(Position * block, block));
        Position++;
    }
}
