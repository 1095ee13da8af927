using FastWeights.Nn;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Programmers.Layers;

/// <summary>
/// A pre-norm residual block: h = x + mixer(LN₁(x)); y = h + MLP(LN₂(h)) with a ReLU MLP D → r·D → D (no MLP when r = 0).
/// Parameters <c>mixer_norm</c>, <c>mixer</c>, <c>mlp_norm</c>, <c>mlp</c>.
/// </summary>
public sealed class SequenceBlock : Module
{
    private readonly LayerNorm mixerNorm;
    private readonly LayerNorm? mlpNorm;
    private readonly Mlp? mlp;

    /// <summary>Creates the block around <paramref name="mixer"/>.</summary>
    public SequenceBlock(Rng rng, SequenceMixer mixer, int mlpRatio)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        ArgumentOutOfRangeException.ThrowIfNegative(mlpRatio);
        int d = mixer.ModelDim;
        mixerNorm = RegisterModule("mixer_norm", new LayerNorm(d));
        Mixer = RegisterModule("mixer", mixer);
        if (mlpRatio > 0)
        {
            mlpNorm = RegisterModule("mlp_norm", new LayerNorm(d));
            mlp = RegisterModule("mlp", new Mlp(rng, d, mlpRatio * d, d));
        }
    }

    /// <summary>The token mixer.</summary>
    public SequenceMixer Mixer { get; }

    /// <summary>Applies the block to x [B, T, D].</summary>
    public Tensor Forward(Tensor x)
    {
        var h = TapeOps.Add(x, Mixer.Forward(mixerNorm.Forward(x)));
        return mlp is null ? h : TapeOps.Add(h, mlp.Forward(mlpNorm!.Forward(h)));
    }

    /// <summary>The same block for one token per sequence, x_t [B, D], through the mixer's <see cref="SequenceMixer.Step"/>.</summary>
    public Tensor Step(SequenceMixerState state, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = TapeOps.Add(x, Mixer.Step(state, mixerNorm.Forward(x)));
        return mlp is null ? h : TapeOps.Add(h, mlp.Forward(mlpNorm!.Forward(h)));
    }
}
