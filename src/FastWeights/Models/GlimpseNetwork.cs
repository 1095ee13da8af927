using System.Text.Json.Nodes;
using FastWeights.Autodiff;
using FastWeights.Layers.Recurrent;
using FastWeights.Nn;
using FastWeights.Tasks;
using FastWeights.Tasks.Glimpses;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>
/// The network of Ba et al. 2016, §4.2: an image seen as the fixed sequence of glimpses of <see cref="GlimpseSequence"/>,
/// each step's input the glimpse's pixels (grey level / 255) beside a one-hot code of which glimpse it is, one recurrent
/// layer of R units (<c>recurrent.*</c>), and a softmax over the classes (<c>output.*</c>) on the last hidden state.
/// </summary>
public sealed class GlimpseNetwork : TokenModel
{
    private readonly Linear output;
    private readonly ImageShape shape;

    /// <summary>Creates the network around <paramref name="recurrent"/> for images of <paramref name="shape"/>.</summary>
    public GlimpseNetwork(Rng rng, ImageShape shape, Func<Rng, int, RecurrentLayer> recurrent, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(recurrent);
        this.shape = shape;
        Recurrent = RegisterModule("recurrent", recurrent(rng, GlimpseSequence.InputSize));
        output = RegisterModule("output", new Linear(rng, Recurrent.HiddenSize, classes));
        Classes = classes;
    }

    /// <inheritdoc/>
    public override int Classes { get; }

    /// <summary>One answer per image, from the last hidden state.</summary>
    public override TargetLayout Predicts => TargetLayout.OnePerSequence;

    /// <summary>1000 images: a batch keeps [B, glimpses, R] states alive.</summary>
    public override int EvaluationBatch => 1000;

    /// <summary>The recurrent layer.</summary>
    public RecurrentLayer Recurrent { get; }

    /// <summary>The recurrent units R.</summary>
    public override IEnumerable<(string Key, JsonNode Value)> Describe(ISequenceTask task) => [("hidden", Recurrent.HiddenSize), ("glimpses", GlimpseSequence.Count)];

    /// <summary>The hidden states [B, glimpses, R] over the glimpse sequence of images given as grey-level tokens [B, H·W].</summary>
    public Tensor Hidden(ReadOnlySpan<int> ids, int batch, int length)
    {
        if (length != shape.Pixels)
        {
            throw new ArgumentException($"the glimpse network reads images of {shape.Pixels} pixels, got sequences of {length} tokens");
        }
        var inputs = Tensor.Zeros(batch, GlimpseSequence.Count, GlimpseSequence.InputSize);
        GlimpseSequence.Extract(ids, batch, shape, inputs.Span);
        return Recurrent.Forward(inputs);
    }

    /// <summary>Class logits [B, classes] for images given as grey-level tokens [B, H·W].</summary>
    public override Tensor Forward(ReadOnlySpan<int> ids, int batch, int length)
    {
        var h = Hidden(ids, batch, length);
        var last = Ops.Reshape(Ops.Slice(h, 1, GlimpseSequence.Count - 1, 1), batch, Recurrent.HiddenSize);
        return output.Forward(last);
    }
}
