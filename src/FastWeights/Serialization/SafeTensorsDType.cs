namespace FastWeights.Serialization;

/// <summary>The element types of the safetensors format that this library can read (it writes only <see cref="F32"/>).</summary>
public enum SafeTensorsDType
{
    /// <summary>Boolean, one byte (0 or 1).</summary>
    BOOL,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>IEEE 754 half precision.</summary>
    F16,

    /// <summary>bfloat16: the upper 16 bits of a float32.</summary>
    BF16,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>IEEE 754 single precision (the format written by this library).</summary>
    F32,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>IEEE 754 double precision.</summary>
    F64,
}
