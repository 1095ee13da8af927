using FastWeights.Kernels;
using FastWeights.Layers;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Nn;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Models;

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
    internal int MlpWidth => mlp is null ? 0 : mlp.Layers.Max(l => l.Weight.Dim(0));

    /// <summary>
    /// <see cref="Step"/> as vector passes on <paramref name="s"/>.X [B, D], in place: LayerNorm rows, the mixer's
    /// <see cref="SequenceMixer.StepInto"/> (allocation-free for a <see cref="FastWeightProgrammerLayer"/>),
    /// the residual add, and the MLP as matrix–vector products with ReLU.
    /// </summary>
    internal void StepInto(SequenceMixerState state, SequenceModelStepScratch s, int batch)
    {
        int d = Mixer.ModelDim;
        var x = s.X.AsSpan(0, batch * d);
        var n = s.Normalized.AsSpan(0, batch * d);
        var m = s.Mixed.AsSpan(0, batch * d);
        for (int b = 0; b < batch; b++)
        {
            StreamingKernels.LayerNorm(x.Slice(b * d, d), mixerNorm.Weight.Span, mixerNorm.Bias.Span, mixerNorm.Eps, n.Slice(b * d, d));
        }
        Mixer.StepInto(state, n, m);
        TensorPrimitives.Add(x, m, x);
        if (mlp is null)
        {
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            StreamingKernels.LayerNorm(x.Slice(b * d, d), mlpNorm!.Weight.Span, mlpNorm.Bias.Span, mlpNorm.Eps, n.Slice(b * d, d));
        }
        // MLP: h ← relu(W_i h + b_i) between layers; the last layer's output is added to x.
        ReadOnlySpan<float> input = n;
        var layers = mlp.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            int rows = layer.Weight.Dim(0), cols = layer.Weight.Dim(1);
            bool last = i == layers.Count - 1;
            var output = last ? m : ((i % 2 == 0) ? s.HiddenA : s.HiddenB).AsSpan(0, batch * rows);
            StreamingKernels.MatVec(layer.Weight.Span, layer.Bias is null ? default : layer.Bias.Span, input, output, batch, rows, cols);
            if (!last)
            {
                TensorPrimitives.Max(output, 0f, output);
            }
            input = output;
        }
        TensorPrimitives.Add(x, m, x);
    }
}
