namespace FastWeights.Models;

/// <summary>
/// Working buffers of <see cref="SequenceModel"/>'s fast step for one state: the residual stream x, its normalised
/// copy and the mixer output [B, D], and two MLP buffers [B, widest layer]. Allocated with the state.
/// </summary>
internal sealed class SequenceModelStepScratch
{
    public SequenceModelStepScratch(int batch, int modelDim, int hiddenWidth)
    {
        X = new float[batch * modelDim];
        Normalized = new float[batch * modelDim];
        Mixed = new float[batch * modelDim];
        HiddenA = new float[batch * hiddenWidth];
        HiddenB = new float[batch * hiddenWidth];
    }

    public float[] X { get; }

    public float[] Normalized { get; }

    public float[] Mixed { get; }

    public float[] HiddenA { get; }

    public float[] HiddenB { get; }
}
