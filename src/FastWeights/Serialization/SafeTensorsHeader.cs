namespace FastWeights.Serialization;

/// <summary>The parsed and validated header of a safetensors file (no tensor data).</summary>
/// <param name="Tensors">The tensor entries, in the order of their data in the file.</param>
/// <param name="Metadata">The string-to-string <c>__metadata__</c> map (empty when absent).</param>
/// <param name="DataStart">Absolute file position of the byte buffer: 8 + header length.</param>
public sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorsTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata, long DataStart);
