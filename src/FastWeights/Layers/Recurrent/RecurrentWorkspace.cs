namespace FastWeights.Layers.Recurrent;

/// <summary>
/// What the workspaces of the fused recurrent kernels (LSTM, GRU-LN, Associative LSTM) share: the sizes of the
/// last resize and a generation counter. Each kernel's workspace adds the buffers its forward pass saves for its
/// backward pass (grown with <c>WorkspaceBuffer.Grow</c>, never shrunk). Reusable: a later forward pass
/// overwrites it, so do not run another forward pass with the same workspace before the backward pass of the
/// previous one.
/// </summary>
public abstract class RecurrentWorkspace
{
    /// <summary>Batch size B of the last resize.</summary>
    public int Batch { get; private set; }

    /// <summary>Sequence length T of the last resize.</summary>
    public int Steps { get; private set; }

    /// <summary>Hidden size R of the last resize.</summary>
    public int Hidden { get; private set; }

    /// <summary>
    /// Incremented by every resize and every forward pass, so that an op can tell whether its saved activations
    /// are still in this workspace when its backward pass runs.
    /// </summary>
    public long Generation { get; internal set; }

    /// <summary>Checks and records the sizes of a resize (each positive) and moves the generation.</summary>
    protected void SetSizes(int batch, int steps, int hidden)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        Batch = batch;
        Steps = steps;
        Hidden = hidden;
        Generation++;
    }
}
