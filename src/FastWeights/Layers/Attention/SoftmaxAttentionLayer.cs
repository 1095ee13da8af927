using FastWeights.Nn;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Layers.Attention;

/// <summary>
/// Causal multi-head softmax attention (Vaswani et al. 2017), the reference baseline:
/// y = W_o · concat_h softmax(Q_h K_hᵀ / √d + M) V_h, with M_ij = −∞ (here −1e9) for j &gt; i.
/// Built from primitive ops (batched matrix products, a broadcast mask, softmax). Parameters <c>q_proj</c>, <c>k_proj</c>,
/// <c>v_proj</c>, <c>out_proj</c>.
/// </summary>
public sealed class SoftmaxAttentionLayer : SequenceMixer
{
    private const float Masked = -1e9f;
    private readonly Linear qProj, kProj, vProj, outProj;

    /// <summary>Creates the layer with parameters drawn from <paramref name="rng"/>.</summary>
    public SoftmaxAttentionLayer(Rng rng, int modelDim, int heads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modelDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        if (modelDim % heads != 0)
        {
            throw new ArgumentException($"the model size {modelDim} is not a multiple of the {heads} heads");
        }
        ModelDim = modelDim;
        Heads = heads;
        HeadDim = modelDim / heads;
        qProj = RegisterModule("q_proj", new Linear(rng, modelDim, modelDim, bias: false));
        kProj = RegisterModule("k_proj", new Linear(rng, modelDim, modelDim, bias: false));
        vProj = RegisterModule("v_proj", new Linear(rng, modelDim, modelDim, bias: false));
        outProj = RegisterModule("out_proj", new Linear(rng, modelDim, modelDim, bias: false));
    }

    /// <inheritdoc/>
    public override int ModelDim { get; }

    /// <summary>Heads H.</summary>
    public int Heads { get; }

    /// <summary>Size per head d = D / H.</summary>
    public int HeadDim { get; }

    /// <summary>The additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above.</summary>
    public static Tensor CausalMask(int length)
    {
        var m = Tensor.Zeros(length, length);
        var s = m.Span;
        for (int i = 0; i < length; i++)
        {
            s.Slice((i * length) + i + 1, length - i - 1).Fill(Masked);
        }
        return m;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int b = x.Dim(0), t = x.Dim(1);
        var q = Split(qProj.Forward(x), b, t);
        var k = Split(kProj.Forward(x), b, t);
        var v = Split(vProj.Forward(x), b, t);
        var o = TapeOps.Transpose(Attend(q, k, v, CausalMask(t)), 1, 2); // [B, T, H, d]
        return outProj.Forward(TapeOps.Reshape(o, b, t, ModelDim));
    }

    /// <summary>
    /// Masked softmax attention on the tape: softmax(q kᵀ / √d + mask) v for q, k, v [B, H, T, d] and an additive
    /// mask [T, T] (<see cref="CausalMask"/>); returns [B, H, T, d].
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(q);
        var scores = TapeOps.Scale(TapeOps.BatchedMatMul(q, k, transB: true), 1f / MathF.Sqrt(q.Dim(-1))); // [B, H, T, T]
        return TapeOps.BatchedMatMul(TapeOps.Softmax(TapeOps.Add(scores, mask)), v);
    }

    /// <inheritdoc/>
    public override bool SupportsStreaming => true;

    /// <summary>An empty key–value cache for <paramref name="batch"/> sequences; it grows by H·d keys and values per token and sequence.</summary>
    public override SequenceMixerState CreateState(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        return new KeyValueCache(batch, ModelDim);
    }

    /// <summary>
    /// Consumes x_t [B, D]: appends k_t, v_t to the cache and attends with q_t over positions 1 … t,
    /// o_t = Σ_j softmax_j(q_t·k_j / √d) v_j per head (the causal mask of <see cref="Forward"/> made implicit); returns y_t [B, D].
    /// </summary>
    public override Tensor Step(SequenceMixerState state, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(x);
        var cache = state as KeyValueCache ?? throw new ArgumentException($"expected the state of a {nameof(SoftmaxAttentionLayer)}, got {state.GetType().Name}", nameof(state));
        int b = cache.Batch;
        if (x.Rank != 2 || x.Dim(0) != b || x.Dim(1) != ModelDim)
        {
            throw new ArgumentException($"x_t must be [{b}, {ModelDim}], got {ShapeUtil.Format(x.Shape)}.", nameof(x));
        }
        using var _ = Autodiff.Tape.NoGrad();
        var q = qProj.Forward(x).Span;
        cache.Append(kProj.Forward(x).Span, vProj.Forward(x).Span);
        int t = cache.Position, d = HeadDim, block = b * ModelDim;
        float scale = 1f / MathF.Sqrt(d);
        var o = Tensor.Zeros(b, ModelDim);
        var os = o.Span;
        var scores = new float[t];
        for (int bi = 0; bi < b; bi++)
        {
            for (int h = 0; h < Heads; h++)
            {
                int at = (bi * ModelDim) + (h * d);
                var qh = q.Slice(at, d);
                for (int j = 0; j < t; j++)
                {
                    scores[j] = TensorPrimitives.Dot(qh, cache.Keys.AsSpan((j * block) + at, d)) * scale;
                }
                TensorPrimitives.SoftMax(scores, scores);
                var oh = os.Slice(at, d);
                for (int j = 0; j < t; j++)
                {
                    TensorPrimitives.MultiplyAdd(cache.Values.AsSpan((j * block) + at, d), scores[j], oh, oh);
                }
            }
        }
        return outProj.Forward(o);
    }

    private Tensor Split(Tensor x, int b, int t) => TapeOps.Transpose(TapeOps.Reshape(x, b, t, Heads, HeadDim), 1, 2);
}
