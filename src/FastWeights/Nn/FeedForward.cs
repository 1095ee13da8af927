using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>A position-wise feed-forward network (<see cref="Mlp"/>, <see cref="SwiGluMlp"/>), on the tape or a batch of rows at a time.</summary>
public abstract class FeedForward : Module
{
    /// <summary>Applies the network to the last axis of <paramref name="x"/> (recorded on the tape).</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>Widest hidden layer: the floats per row the streaming buffers need.</summary>
    public abstract int Width { get; }

    /// <summary>
    /// The same without the tape for <paramref name="batch"/> rows x [B, in] into y [B, out] (y must not overlap x),
    /// with two buffers of at least B · <see cref="Width"/> floats.
    /// </summary>
    public abstract void Row(ReadOnlySpan<float> x, Span<float> y, int batch, float[] hiddenA, float[] hiddenB);

    /// <summary>The feed-forward network of a block of size <paramref name="d"/> with <paramref name="hidden"/> hidden units.</summary>
    public static FeedForward Create(Rng rng, FeedForwardKind kind, int d, int hidden) => kind switch
    {
        FeedForwardKind.Relu => new Mlp(rng, d, hidden, d),
        FeedForwardKind.SwiGlu => new SwiGluMlp(rng, d, hidden),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>Which feed-forward network a block uses.</summary>
public enum FeedForwardKind
{
    /// <summary>D → hidden → D with ReLU between, biases (<c>layers.0</c>, <c>layers.1</c>).</summary>
    Relu,

    /// <summary>SwiGLU (Shazeer 2020): down(SiLU(gate(x)) ⊙ up(x)), no biases (<c>gate_proj</c>, <c>up_proj</c>, <c>down_proj</c>), as Llama and fla use.</summary>
    SwiGlu,
}
