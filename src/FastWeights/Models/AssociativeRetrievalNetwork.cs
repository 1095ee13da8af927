using System.Text.Json.Nodes;
using FastWeights.Autodiff;
using FastWeights.Layers.Recurrent;
using FastWeights.Nn;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>
/// The network of Ba et al. 2016, §4.1: embedding (<c>embedding.weight</c>, 37 × 100), one recurrent layer of R units
/// (<c>recurrent.*</c>), a ReLU layer of 100 units (<c>hidden.*</c>) on the last hidden state, and a softmax over the
/// 10 digits (<c>output.*</c>).
/// </summary>
public sealed class AssociativeRetrievalNetwork : TokenModel
{
    private readonly Embedding embedding;
    private readonly Linear hidden;
    private readonly Linear output;

    /// <summary>Creates the network around <paramref name="recurrent"/>.</summary>
    public AssociativeRetrievalNetwork(Rng rng, int vocabulary, int embeddingSize, Func<Rng, int, RecurrentLayer> recurrent, int hiddenSize = 100, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(recurrent);
        embedding = RegisterModule("embedding", new Embedding(rng, vocabulary, embeddingSize));
        Recurrent = RegisterModule("recurrent", recurrent(rng, embeddingSize));
        hidden = RegisterModule("hidden", new Linear(rng, Recurrent.HiddenSize, hiddenSize));
        output = RegisterModule("output", new Linear(rng, hiddenSize, classes));
        Classes = classes;
    }

    /// <inheritdoc/>
    public override int Classes { get; }

    /// <summary>One answer per sequence, from the last hidden state.</summary>
    public override TargetLayout Predicts => TargetLayout.OnePerSequence;

    /// <summary>1000 sequences: a batch keeps only [B, T, R] states alive.</summary>
    public override int EvaluationBatch => 1000;

    /// <summary>The recurrent units R.</summary>
    public override IEnumerable<(string Key, JsonNode Value)> Describe(ISequenceTask task) => [("hidden", Recurrent.HiddenSize)];

    /// <summary>The recurrent layer.</summary>
    public RecurrentLayer Recurrent { get; }

    /// <summary>The embedded inputs [B, T, E] of token ids laid out [B, T].</summary>
    public Tensor Embed(ReadOnlySpan<int> ids, int batch, int length) => embedding.Forward(ids, batch, length);

    /// <summary>
    /// The recurrent layer's projected inputs U [B, T, P] for token ids [B, T]. Computed as a lookup in the projected
    /// embedding table (E·Wxᵀ + b)[ids], which equals projecting each embedded token but costs V·E·P instead of B·T·E·P.
    /// </summary>
    public Tensor ProjectedInputs(ReadOnlySpan<int> ids, int batch, int length) =>
        Ops.Embedding(Recurrent.Project(embedding.Weight), ids, [batch, length]);

    /// <summary>Class logits [B, classes] for a batch of token ids laid out [B, T].</summary>
    public override Tensor Forward(ReadOnlySpan<int> ids, int batch, int length)
    {
        var h = Recurrent.Recur(ProjectedInputs(ids, batch, length));
        var last = Ops.Reshape(Ops.Slice(h, 1, length - 1, 1), batch, Recurrent.HiddenSize);
        return output.Forward(Ops.Relu(hidden.Forward(last)));
    }
}
