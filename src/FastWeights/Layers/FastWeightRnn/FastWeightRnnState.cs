using FastWeights.Layers.Recurrent;

namespace FastWeights.Layers.FastWeightRnn;

/// <summary>
/// The recurrent state of a <see cref="FastWeightRnnLayer"/> for step-by-step inference
/// (<see cref="FastWeightRnnLayer.Step(FastWeightRnnState, ReadOnlySpan{float}, Span{float})"/>): per example the last hidden state h(t) and the fast-weight matrix
/// A(t) = η Σ_{τ≤t} λ^{t−τ} h(τ) h(τ)ᵀ, kept explicitly so each step costs O(R²) whatever the position.
/// </summary>
public sealed class FastWeightRnnState : RecurrentLayerState
{
    /// <summary>A zero state (h(0) = 0, A(0) = 0) for <paramref name="batch"/> independent streams of <paramref name="hidden"/> units.</summary>
    public FastWeightRnnState(int batch, int hidden, bool withFastWeights = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        Batch = batch;
        Hidden = hidden;
        HiddenState = new float[batch * hidden];
        FastWeights = withFastWeights ? new float[(long)batch * hidden * hidden] : [];
        Scratch = new float[4 * hidden];
    }

    /// <summary>Number of streams B.</summary>
    public override int Batch { get; }

    /// <summary>Hidden size R.</summary>
    public int Hidden { get; }

    /// <summary>Number of steps taken since the state was created or <see cref="Reset"/>.</summary>
    public int Position { get; internal set; }

    /// <summary>h(t) of every stream, B×R row-major.</summary>
    public float[] HiddenState { get; }

    /// <summary>A(t) of every stream, B×R×R row-major (empty when the layer has no fast weights).</summary>
    public float[] FastWeights { get; }

    /// <summary>Work vectors of the step (4·R).</summary>
    internal float[] Scratch { get; }

    /// <summary>Back to the zero state.</summary>
    public void Reset()
    {
        Array.Clear(HiddenState);
        Array.Clear(FastWeights);
        Position = 0;
    }
}
