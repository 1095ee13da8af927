namespace FastWeights.Serialization;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's name (key in the header).</param>
/// <param name="DType">The element type stored in the file.</param>
/// <param name="Shape">The shape; empty for a scalar.</param>
/// <param name="DataBegin">Start of the tensor's bytes, relative to the byte buffer after the header.</param>
/// <param name="DataEnd">End (exclusive) of the tensor's bytes, relative to the byte buffer after the header.</param>
public sealed record SafeTensorsTensorInfo(string Name, SafeTensorsDType DType, IReadOnlyList<int> Shape, long DataBegin, long DataEnd)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public int ElementCount
    {
        get
        {
            int n = 1;
            foreach (int s in Shape)
            {
                n *= s;
            }
            return n;
        }
    }
}
