using FastWeights.Tensors;

namespace FastWeights.Serialization;

/// <summary>The tensors and metadata read from a safetensors file, every tensor converted to float32.</summary>
public sealed class SafeTensorsContent
{
    private readonly Dictionary<string, Tensor> tensors;

    internal SafeTensorsContent(SafeTensorsHeader header, Dictionary<string, Tensor> tensors)
    {
        Header = header;
        this.tensors = tensors;
        Names = header.Tensors.Select(t => t.Name).ToList();
    }

    /// <summary>The file's header: names, stored dtypes, shapes and offsets.</summary>
    public SafeTensorsHeader Header { get; }

    /// <summary>The tensor names, in the order of their data in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => tensors;

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>The tensor named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming it when absent.</summary>
    public Tensor this[string name] =>
        tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"No tensor '{name}' in the file.");

    /// <summary>The tensors as name/tensor pairs in file order (for example to pass to an optimizer's LoadState).</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> ToList() => Names.Select(n => new KeyValuePair<string, Tensor>(n, tensors[n])).ToList();
}
