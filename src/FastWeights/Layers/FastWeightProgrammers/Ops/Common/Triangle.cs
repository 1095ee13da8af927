namespace FastWeights.Layers.FastWeightProgrammers.Ops.Common;

/// <summary>Which triangle of a square-ish operand may be non-zero (see <see cref="ChunkProducts.Multiply"/>).</summary>
internal enum Triangle
{
    /// <summary>A full matrix.</summary>
    None,

    /// <summary>Zero above the diagonal.</summary>
    Lower,

    /// <summary>Zero below the diagonal.</summary>
    Upper,
}
