using System.Text.Json.Nodes;
using FastWeights.Kernels;
using FastWeights.Layers;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Nn;
using FastWeights.Tasks;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Models;

/// <summary>
/// A language-model-shaped network: token embedding (<c>embedding</c>, N(0, 1)), optional learned positions
/// (<c>positions</c>, N(0, 0.02²)), stacked <see cref="SequenceBlock"/>s (<c>blocks.0</c>, <c>blocks.1</c>, …), a final
/// LayerNorm (<c>final_norm</c>) and a head (<c>head</c>) giving logits [B, T, classes] at every position.
/// </summary>
public sealed class SequenceModel : TokenModel
{
    private readonly Embedding embedding;
    private readonly Tensor? positions;
    private readonly SequenceBlock[] blocks;
    private readonly NormModule finalNorm;
    private readonly Linear head;

    /// <summary>Creates the model; <paramref name="mixer"/> builds the mixer of block i from (rng, i).</summary>
    public SequenceModel(Rng rng, int vocabulary, int classes, SequenceModelOptions options, Func<Rng, int, SequenceMixer> mixer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mixer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Layers);
        Vocabulary = vocabulary;
        Classes = classes;
        Options = options;
        embedding = RegisterModule("embedding", new Embedding(rng, vocabulary, options.ModelDim));
        if (options.MaxPositions > 0)
        {
            positions = RegisterParameter("positions", Tensor.RandomNormal(rng, 0.02f, options.MaxPositions, options.ModelDim));
        }
        blocks = [.. RegisterModule("blocks", new ModuleList<SequenceBlock>(Enumerable.Range(0, options.Layers).Select(i => new SequenceBlock(rng, mixer(rng, i), options.MlpHidden, options.Conventions.Norm(), options.Eps, options.Conventions.FeedForward())))).Items];
        finalNorm = RegisterModule("final_norm", NormModule.Create(options.Conventions.Norm(), options.ModelDim, options.Eps));
        head = RegisterModule("head", new Linear(rng, options.ModelDim, classes, bias: options.Conventions != LayerConventions.Fla));
    }

    /// <summary>Input vocabulary size.</summary>
    public int Vocabulary { get; }

    /// <summary>Output classes per position.</summary>
    public override int Classes { get; }

    /// <summary>A prediction at every position.</summary>
    public override TargetLayout Predicts => TargetLayout.EveryPosition;

    /// <summary>250 sequences: a batch keeps [B, T, D] activations of every block alive.</summary>
    public override int EvaluationBatch => 250;

    /// <summary>The task, the model size D and the number of blocks.</summary>
    public override IEnumerable<(string Key, JsonNode Value)> Describe(ISequenceTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return [("task", task.Name), ("d_model", Options.ModelDim), ("layers", Options.Layers)];
    }

    /// <summary>The sizes.</summary>
    public SequenceModelOptions Options { get; }

    /// <summary>The blocks in order.</summary>
    public IReadOnlyList<SequenceBlock> Blocks => blocks;

    /// <summary>Whether every block's mixer can run one token at a time (<see cref="CreateState"/>, <see cref="Step(SequenceModelState, ReadOnlySpan{int})"/>).</summary>
    public bool SupportsStreaming => blocks.All(b => b.Mixer.SupportsStreaming);

    /// <summary>Logits [B, T, classes] for token ids laid out [B, T].</summary>
    public override Tensor Forward(ReadOnlySpan<int> ids, int batch, int length)
    {
        var x = embedding.Forward(ids, batch, length);
        if (positions is not null)
        {
            if (length > positions.Dim(0))
            {
                throw new ArgumentException($"the model has learned positions for {positions.Dim(0)} tokens, not {length}");
            }
            x = TapeOps.Add(x, TapeOps.Slice(positions, 0, 0, length));
        }
        foreach (var block in blocks)
        {
            x = block.Forward(x);
        }
        return head.Forward(finalNorm.Forward(x));
    }

    /// <summary>
    /// Whether the model can run consecutive segments of its sequences, each from the state the previous one left
    /// (<see cref="Forward(ReadOnlySpan{int}, int, int, SequenceModelState)"/>): every mixer carries a state and there are
    /// no learned positions (whose range is one window).
    /// </summary>
    public bool CanCarryState => positions is null && blocks.All(b => b.Mixer.CanCarryState);

    /// <summary>
    /// Logits [B, T, classes] for the next segment, ids [B, T], of the sequences <paramref name="state"/> has read
    /// (<see cref="CreateState"/>): each block's mixer starts from the state the previous segment left and leaves the
    /// state after this one. The state enters the tape as a constant: gradients stop at the segment boundary (truncated
    /// backpropagation through time). Running segments one after another gives the logits of one pass over their
    /// concatenation (up to float rounding).
    /// </summary>
    /// <exception cref="NotSupportedException">A mixer cannot carry a state, or the model has learned positions (see <see cref="CanCarryState"/>).</exception>
    public Tensor Forward(ReadOnlySpan<int> ids, int batch, int length, SequenceModelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!CanCarryState)
        {
            throw new NotSupportedException("this model cannot carry a state from one segment to the next (only fast weight programmers without learned positions can)");
        }
        if (state.Batch != batch || state.Mixers.Count != blocks.Length)
        {
            throw new ArgumentException($"the state holds {state.Batch} sequences of {state.Mixers.Count} blocks; the segment has {batch} sequences and the model {blocks.Length} blocks", nameof(state));
        }
        var x = embedding.Forward(ids, batch, length);
        for (int i = 0; i < blocks.Length; i++)
        {
            x = blocks[i].Forward(x, state.Mixers[i]);
        }
        state.Position += length;
        return head.Forward(finalNorm.Forward(x));
    }

    /// <summary>The tensors of a carried state by name (<c>blocks.0.fast_weights</c>, …), for a checkpoint; loading writes into them.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors(SequenceModelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        for (int i = 0; i < blocks.Length; i++)
        {
            foreach (var (name, tensor) in blocks[i].Mixer.StateTensors(state.Mixers[i]))
            {
                yield return new($"blocks.{i}.{name}", tensor);
            }
        }
    }

    /// <summary>A fresh streaming state for <paramref name="batch"/> sequences: one per block (nothing consumed yet).</summary>
    /// <exception cref="NotSupportedException">A mixer has no streaming form (see <see cref="SupportsStreaming"/>).</exception>
    public SequenceModelState CreateState(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        return new SequenceModelState(batch, [.. blocks.Select(b => b.Mixer.CreateState(batch))]) { Scratch = NewScratch(batch) };
    }

    /// <summary>
    /// Consumes the next token of every sequence, <paramref name="ids"/> [B], and returns its logits [B, classes]: the
    /// embedding (plus the learned position of this token), each block's <see cref="SequenceBlock.Step"/>, the final
    /// norm and the head, without recording gradients. Stepping through a sequence gives the rows of <see cref="Forward(ReadOnlySpan{int}, int, int)"/>
    /// (up to float rounding). Fast-weight and recurrent states have a fixed size; softmax attention keeps a key–value
    /// cache that grows with every token. Runs as fused vector passes over buffers kept in the state (see
    /// <see cref="FastWeightProgrammerLayer.Step(FastWeightLayerState, Tensor)"/>); with fast-weight mixers only the returned
    /// logits are allocated.
    /// </summary>
    public Tensor Step(SequenceModelState state, ReadOnlySpan<int> ids)
    {
        ArgumentNullException.ThrowIfNull(state);
        var logits = Tensor.Zeros(state.Batch, Classes);
        Step(state, ids, logits.Span);
        return logits;
    }

    /// <summary>
    /// As <see cref="Step(SequenceModelState, ReadOnlySpan{int})"/>, writing the logits [B, classes] into
    /// <paramref name="logits"/>; with fast-weight mixers this allocates nothing.
    /// </summary>
    public void Step(SequenceModelState state, ReadOnlySpan<int> ids, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(state);
        int b = state.Batch, d = Options.ModelDim;
        if (ids.Length != b)
        {
            throw new ArgumentException($"Step takes one token per sequence: {b} ids, got {ids.Length}.", nameof(ids));
        }
        if (state.Mixers.Count != blocks.Length)
        {
            throw new ArgumentException($"the state has {state.Mixers.Count} blocks, the model {blocks.Length}", nameof(state));
        }
        if (logits.Length != b * Classes)
        {
            throw new ArgumentException($"the logits must hold [{b}, {Classes}], got {logits.Length} floats", nameof(logits));
        }
        if (positions is not null && state.Position >= positions.Dim(0))
        {
            throw new ArgumentException($"the model has learned positions for {positions.Dim(0)} tokens and cannot read token {state.Position + 1}");
        }
        var table = embedding.Weight.Span;
        for (int i = 0; i < b; i++)
        {
            if ((uint)ids[i] >= (uint)Vocabulary)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {ids[i]} is outside the vocabulary [0, {Vocabulary}).");
            }
        }
        using var _ = Autodiff.Tape.NoGrad();
        var s = state.Scratch ??= NewScratch(b);
        var x = s.X.AsSpan(0, b * d);
        for (int i = 0; i < b; i++)
        {
            var row = x.Slice(i * d, d);
            table.Slice(ids[i] * d, d).CopyTo(row);
            if (positions is not null)
            {
                TensorPrimitives.Add(row, positions.Span.Slice(state.Position * d, d), row);
            }
        }
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i].StepInto(state.Mixers[i], s, b);
        }
        state.Position++;
        var n = s.Normalized.AsSpan(0, b * d);
        for (int i = 0; i < b; i++)
        {
            finalNorm.Row(x.Slice(i * d, d), n.Slice(i * d, d));
        }
        StreamingKernels.MatVec(head.Weight.Span, head.Bias is null ? default : head.Bias.Span, n, logits, b, Classes, d);
    }

    private SequenceModelStepScratch NewScratch(int batch) => new(batch, Options.ModelDim, blocks.Max(b => b.MlpWidth));
}
