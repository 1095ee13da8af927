using FastWeights.Autodiff;
using FastWeights.Models;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// One optimisation step of a <see cref="TokenModel"/>: forward pass, softmax cross-entropy over the scored targets,
/// backward pass, global-norm gradient clipping, optimizer update, gradients dropped. The trainer and the
/// benchmarks share it. Every tensor the step creates (op outputs, their gradients, the parameters' gradients)
/// comes from a <see cref="TensorArena"/> owned by the step and is recycled when the step ends, so once warmed
/// up a step allocates almost nothing on the managed heap.
/// </summary>
public sealed class TrainingStep
{
    private readonly TokenModel network;
    private readonly OptimizationStep step;

    /// <summary>Creates the step for <paramref name="network"/>, updated by <paramref name="optimizer"/>.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">The optimizer over the network's parameters; set its learning rate before each step.</param>
    /// <param name="clipNorm">Largest global gradient norm (Pascanu et al. 2013); positive.</param>
    /// <param name="pooled">Whether the step's tensors come from the step's <see cref="TensorArena"/> (true) or are newly allocated each step (false; for comparisons).</param>
    public TrainingStep(TokenModel network, Optimizer optimizer, float clipNorm, bool pooled = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        this.network = network;
        step = new OptimizationStep(network.Parameters(), optimizer, clipNorm, pooled);
    }

    /// <summary>The arena the step's tensors live in (exposed for diagnostics: pooled bytes and buffer counts).</summary>
    public TensorArena Arena => step.Arena;

    /// <summary>
    /// Trains on one batch of token ids laid out [batch, length] with targets as the model predicts them (one per
    /// sequence, or one per position with <see cref="TokenDataset.IgnoreIndex"/> where none). Tensors
    /// created during the step must not be kept: their storage is reused by the next step.
    /// </summary>
    public TrainingStepResult Run(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int length) => Run(inputs, targets, batch, length, null);

    /// <summary>
    /// As <see cref="Run(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/>; with a <paramref name="carried"/> state the
    /// batch continues the sequences the state has read and leaves the state after it (truncated backpropagation
    /// through time, <see cref="SequenceModel.Forward(ReadOnlySpan{int}, int, int, SequenceModelState)"/>). The state must
    /// have been made outside the step.
    /// </summary>
    public TrainingStepResult Run(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int length, SequenceModelState? carried)
    {
        using var scope = step.Begin();
        var logits = carried is null
            ? network.Forward(inputs, batch, length)
            : (network as SequenceModel ?? throw new ArgumentException("carried state needs a sequence model")).Forward(inputs, batch, length, carried);
        var loss = Ops.CrossEntropy(logits, targets);
        int correct = Evaluator.CountCorrect(logits.Span, targets, logits.Dim(-1));
        int scored = TokenDataset.CountScored(targets);
        bool updated = step.Update(loss);
        return new TrainingStepResult(loss.Item(), correct, updated, scored);
    }
}
