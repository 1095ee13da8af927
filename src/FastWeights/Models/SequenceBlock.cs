using FastWeights.Kernels;
using FastWeights.Layers;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Nn;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Models;

/// <summary>
/// A pre-norm residual block: h = x + mixer(N₁(x)); y = h + FFN(N₂(h)), with N layer norms or RMS norms and FFN a ReLU
/// MLP D → hidden → D or SwiGLU (no FFN when hidden = 0). Parameters <c>mixer_norm</c>, <c>mixer</c>, <c>mlp_norm</c>, <c>mlp</c>.
/// </summary>
public sealed class SequenceBlock : Module
{
    private readonly NormModule mixerNorm;
    private readonly NormModule? mlpNorm;
    private readonly FeedForward? mlp;

    /// <summary>Creates the block around <paramref name="mixer"/>, with <paramref name="mlpHidden"/> hidden units in its feed-forward network (0: none).</summary>
    public SequenceBlock(Rng rng, SequenceMixer mixer, int mlpHidden, NormKind norm = NormKind.LayerNorm, float normEps = 1e-5f, FeedForwardKind feedForward = FeedForwardKind.Relu)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        ArgumentOutOfRangeException.ThrowIfNegative(mlpHidden);
        int d = mixer.ModelDim;
        mixerNorm = RegisterModule("mixer_norm", NormModule.Create(norm, d, normEps));
        Mixer = RegisterModule("mixer", mixer);
        if (mlpHidden > 0)
        {
            mlpNorm = RegisterModule("mlp_norm", NormModule.Create(norm, d, normEps));
            mlp = RegisterModule("mlp", FeedForward.Create(rng, feedForward, d, mlpHidden));
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

    /// <summary>Applies the block to a segment x [B, T, D] that continues the sequences of the mixer's carried <paramref name="state"/> (<see cref="SequenceMixer.Forward(Tensor, SequenceMixerState)"/>).</summary>
    public Tensor Forward(Tensor x, SequenceMixerState state)
    {
        var h = TapeOps.Add(x, Mixer.Forward(mixerNorm.Forward(x), state));
        return mlp is null ? h : TapeOps.Add(h, mlp.Forward(mlpNorm!.Forward(h)));
    }

    /// <summary>The same block for one token per sequence, x_t [B, D], through the mixer's <see cref="SequenceMixer.Step"/>.</summary>
    public Tensor Step(SequenceMixerState state, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = TapeOps.Add(x, Mixer.Step(state, mixerNorm.Forward(x)));
        return mlp is null ? h : TapeOps.Add(h, mlp.Forward(mlpNorm!.Forward(h)));
    }

    /// <summary>Widest MLP layer output (0 without an MLP), for the step buffers.</summary>
    internal int MlpWidth => mlp?.Width ?? 0;

    /// <summary>
    /// <see cref="Step"/> as vector passes on <paramref name="s"/>.X [B, D], in place: the norm's rows, the mixer's
    /// <see cref="SequenceMixer.StepInto"/> (allocation-free for a <see cref="FastWeightProgrammerLayer"/>),
    /// the residual add, and the feed-forward network's rows.
    /// </summary>
    internal void StepInto(SequenceMixerState state, SequenceModelStepScratch s, int batch)
    {
        int d = Mixer.ModelDim;
        var x = s.X.AsSpan(0, batch * d);
        var n = s.Normalized.AsSpan(0, batch * d);
        var m = s.Mixed.AsSpan(0, batch * d);
        for (int b = 0; b < batch; b++)
        {
            mixerNorm.Row(x.Slice(b * d, d), n.Slice(b * d, d));
        }
        Mixer.StepInto(state, n, m);
        TensorPrimitives.Add(x, m, x);
        if (mlp is null)
        {
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            mlpNorm!.Row(x.Slice(b * d, d), n.Slice(b * d, d));
        }
        mlp.Row(n, m, batch, s.HiddenA, s.HiddenB);
        TensorPrimitives.Add(x, m, x);
    }
}
