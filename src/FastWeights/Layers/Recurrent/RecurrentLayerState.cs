namespace FastWeights.Layers.Recurrent;

/// <summary>The state of a <see cref="RecurrentLayer"/> running one token at a time (<see cref="RecurrentLayer.Step"/>).</summary>
public abstract class RecurrentLayerState
{
    /// <summary>Number of independent streams.</summary>
    public abstract int Batch { get; }
}
