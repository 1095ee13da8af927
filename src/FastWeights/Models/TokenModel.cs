using System.Text.Json.Nodes;
using FastWeights.Nn;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>
/// A trainable model over token-id sequences, as the training loop, the evaluator and the commands see every model:
/// logits for a batch of ids, either one row per sequence (read at the last position) or one row per position.
/// </summary>
public abstract class TokenModel : Module
{
    /// <summary>Output classes per prediction.</summary>
    public abstract int Classes { get; }

    /// <summary>Where the model predicts: once per sequence (logits [B, classes]) or at every position (logits [B, T, classes]).</summary>
    public abstract TargetLayout Predicts { get; }

    /// <summary>Sequences per evaluation batch (bounded by the activations one batch keeps alive).</summary>
    public abstract int EvaluationBatch { get; }

    /// <summary>Logits for token ids laid out [B, T]: [B, classes] or [B, T, classes] (see <see cref="Predicts"/>).</summary>
    public abstract Tensor Forward(ReadOnlySpan<int> ids, int batch, int length);

    /// <summary>The sizes that identify the model in a run's <c>result.json</c> (after its name), for a run on <paramref name="task"/>.</summary>
    public abstract IEnumerable<(string Key, JsonNode Value)> Describe(ISequenceTask task);
}
