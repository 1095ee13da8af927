using System.Text.Json.Nodes;
using FastWeights.Autodiff;
using FastWeights.Nn;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>
/// The ConvNet baseline of Ba et al. 2016, Table 2, which sees the whole image at once: two 5 × 5 convolutions (16 and 32
/// channels, padding 2, <c>conv1.*</c>, <c>conv2.*</c>) each followed by ReLU and 2 × 2 max pooling, a ReLU layer of F
/// features (<c>features.*</c>, the column of Table 2), and a softmax over the classes (<c>output.*</c>).
/// </summary>
public sealed class ConvNetClassifier : TokenModel
{
    private const int Kernel = 5, Padding = 2, Pool = 2;
    private static readonly int[] Channels = [16, 32];

    private readonly ImageShape shape;
    private readonly Conv2d[] convolutions = new Conv2d[Channels.Length];
    private readonly Linear features;
    private readonly Linear output;

    /// <summary>Creates the network for images of <paramref name="shape"/> with <paramref name="featureCount"/> features before the softmax.</summary>
    public ConvNetClassifier(Rng rng, ImageShape shape, int featureCount, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        this.shape = shape;
        int inChannels = 1, height = shape.Height, width = shape.Width;
        for (int l = 0; l < Channels.Length; l++)
        {
            convolutions[l] = RegisterModule($"conv{l + 1}", new Conv2d(rng, inChannels, Channels[l], Kernel, 1, Padding));
            inChannels = Channels[l];
            height /= Pool;
            width /= Pool;
        }
        FlatSize = inChannels * height * width;
        features = RegisterModule("features", new Linear(rng, FlatSize, featureCount));
        output = RegisterModule("output", new Linear(rng, featureCount, classes));
        Classes = classes;
        FeatureCount = featureCount;
    }

    /// <inheritdoc/>
    public override int Classes { get; }

    /// <summary>Features before the softmax (F).</summary>
    public int FeatureCount { get; }

    /// <summary>Values after the last pooling layer, per image.</summary>
    public int FlatSize { get; }

    /// <summary>One answer per image.</summary>
    public override TargetLayout Predicts => TargetLayout.OnePerSequence;

    /// <summary>500 images: the first convolution's output is 16 · 28 · 28 floats per image.</summary>
    public override int EvaluationBatch => 500;

    /// <inheritdoc/>
    public override IEnumerable<(string Key, JsonNode Value)> Describe(ISequenceTask task) => [("features", FeatureCount)];

    /// <summary>Class logits [B, classes] for images given as grey-level tokens [B, H·W].</summary>
    public override Tensor Forward(ReadOnlySpan<int> ids, int batch, int length)
    {
        if (length != shape.Pixels)
        {
            throw new ArgumentException($"the ConvNet reads images of {shape.Pixels} pixels, got sequences of {length} tokens");
        }
        var x = Tensor.Zeros(batch, 1, shape.Height, shape.Width);
        var xs = x.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            xs[i] = ids[i] / 255f;
        }
        foreach (var conv in convolutions)
        {
            x = Ops.MaxPool2d(Ops.Relu(conv.Forward(x)), Pool, Pool);
        }
        var flat = Ops.Reshape(x, batch, FlatSize);
        return output.Forward(Ops.Relu(features.Forward(flat)));
    }
}
