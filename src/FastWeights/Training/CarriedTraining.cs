using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// Training with carried state (<c>--carry-state</c>, truncated backpropagation through time): the batch is B streams
/// of consecutive windows of the training split (<see cref="SegmentStreams"/>); step s gives stream b its window
/// b·P + s mod P, read from the state the stream's previous window left. Every P steps the streams start over from a
/// zero state, and every R steps within them, R the length of the streams the validation split is scored as
/// (<see cref="Evaluator.EvaluateCarried"/>): trained on states carried much longer than scoring carries them, a model
/// meets unfamiliar states when scored (the sum rule's unbounded memory most of all). The state is saved with each checkpoint (<c>carried_state.blocks.0.fast_weights</c>, …), so a resumed run
/// continues it exactly.
/// </summary>
internal sealed class CarriedTraining
{
    private const string Prefix = "carried_state.";
    private readonly SegmentStreams streams;

    private CarriedTraining(SegmentStreams streams, SequenceModel model, SequenceModelState state)
    {
        this.streams = streams;
        State = state;
        Tensors = [.. model.StateTensors(state).Select(t => new KeyValuePair<string, Tensor>(Prefix + t.Key, t.Value))];
    }

    /// <summary>The streams' state (made outside any training step, so its buffers are not recycled).</summary>
    public SequenceModelState State { get; }

    /// <summary>The state's tensors by checkpoint name.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }

    /// <summary>
    /// The training of <paramref name="model"/> on the consecutive windows <paramref name="train"/>, its states carried
    /// at most as far as scoring <paramref name="validation"/> carries them; throws <see cref="ArgumentException"/> when
    /// the model cannot carry a state.
    /// </summary>
    public static CarriedTraining Create(TrainingConfig config, TokenModel model, TokenDataset train, TokenDataset validation)
    {
        if (model is not SequenceModel { CanCarryState: true } sequenceModel)
        {
            throw new ArgumentException(CannotCarry(config.Model));
        }
        int horizon = new SegmentStreams(validation.Count, Evaluator.CarriedStreams, coverAll: true).PerStream;
        return new CarriedTraining(new SegmentStreams(train.Count, config.Batch, coverAll: false, horizon), sequenceModel, sequenceModel.CreateState(config.Batch));
    }

    /// <summary>The message for a model that cannot carry a state.</summary>
    public static string CannotCarry(string model) =>
        $"--carry-state needs a model whose state can be carried from window to window: a fast weight programmer ({string.Join(", ", ModelCatalog.All.Where(m => m.CanCarryState).Select(m => m.Name))}); --model {model} cannot";

    /// <summary>The window of every stream at step <paramref name="step"/>, zeroing the state first when the streams start over.</summary>
    public void Batch(int step, Span<int> indices)
    {
        if (streams.StartsOver(step))
        {
            foreach (var (_, tensor) in Tensors)
            {
                tensor.Span.Clear();
            }
        }
        for (int b = 0; b < indices.Length; b++)
        {
            indices[b] = streams.Window(b, step);
        }
    }
}
