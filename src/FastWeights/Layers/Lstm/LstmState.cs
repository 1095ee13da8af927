using FastWeights.Layers.Recurrent;

namespace FastWeights.Layers.Lstm;

/// <summary>The state of an <see cref="LstmLayer"/> running one step at a time: h(t) and c(t) of every stream.</summary>
public sealed class LstmState : RecurrentLayerState
{
    /// <summary>A zero state (h = 0, c = 0) for <paramref name="batch"/> streams of <paramref name="hidden"/> units.</summary>
    public LstmState(int batch, int hidden)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        Batch = batch;
        Hidden = hidden;
        HiddenState = new float[batch * hidden];
        Cells = new float[batch * hidden];
        PreActivations = new float[batch * LstmKernel.GateCount * hidden];
        PreviousCells = new float[batch * hidden];
        TanhCell = new float[hidden];
    }

    /// <inheritdoc/>
    public override int Batch { get; }

    /// <summary>Hidden size R.</summary>
    public int Hidden { get; }

    /// <summary>h(t), B×R.</summary>
    public float[] HiddenState { get; }

    /// <summary>c(t), B×R.</summary>
    public float[] Cells { get; }

    // a(t) = U(t) + h(t−1)·Whᵀ, B×4R: the step's work buffer.
    internal float[] PreActivations { get; }

    // c(t−1) while a step computes c(t), B×R.
    internal float[] PreviousCells { get; }

    // tanh c(t) of one stream, R.
    internal float[] TanhCell { get; }
}
