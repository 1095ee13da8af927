using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Layers.Recurrent;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Models;

/// <summary>A model name users type, its aliases, its family, what it is, and how to build it.</summary>
/// <param name="Name">The canonical name (lower case), for example <c>fw-rnn</c>.</param>
/// <param name="Aliases">Other accepted names (matched case-insensitively).</param>
/// <param name="Family">The kind of model.</param>
/// <param name="Description">One line for help text.</param>
/// <param name="CreateSequenceModel">Builds the per-position model from (rng, vocabulary, classes, options).</param>
public sealed record ModelSpec(string Name, IReadOnlyList<string> Aliases, ModelFamily Family, string Description,
    Func<Rng, int, int, SequenceModelOptions, SequenceModel> CreateSequenceModel)
{
    /// <summary>Whether the model reads images only (it has no per-position form): see <see cref="TrainsOn"/>.</summary>
    public bool ImageOnly { get; init; }

    /// <summary>Builds the model of a one-answer image task from (rng, configuration, image shape, classes); null where the model has no image form.</summary>
    public Func<Rng, TrainingConfig, ImageShape, int, TokenModel>? CreateImageModel { get; init; }

    /// <summary>For the recurrent family: builds the recurrent layer from (rng, input size, hidden size, fast-weights options).</summary>
    public Func<Rng, int, int, FastWeightRnnOptions, RecurrentLayer>? Layer { get; init; }

    /// <summary>For the fast weight programmers: the rule their layers update the fast weights by (it decides their gates).</summary>
    public FastWeightRule? Rule { get; init; }

    /// <summary>Whether the model needs learned positions (softmax attention has no other notion of order).</summary>
    public bool NeedsPositions { get; init; }

    /// <summary>Whether the model can carry its state from one window of a text to the next (<c>--carry-state</c>): the fast weight programmers.</summary>
    public bool CanCarryState => Family == ModelFamily.FastWeightProgrammer;

    /// <summary>Whether the model can be the core of an agent (<see cref="CreateAgent"/>): a recurrent layer that steps one observation at a time.</summary>
    public bool CanAct => Layer is not null && Layer(new Rng(0), 2, 2, new FastWeightRnnOptions()).SupportsStreaming;

    /// <summary>The actor-critic agent <paramref name="config"/> describes for <paramref name="task"/>, its core this model with R = <c>--hidden</c>.</summary>
    public ActorCriticNetwork CreateAgent(TrainingConfig config, IReinforcementTask task, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(task);
        if (!CanAct)
        {
            throw new ArgumentException($"--model {Name} cannot be an agent's core on --task {task.Name}: it has no step-by-step form (valid: {string.Join(", ", ModelCatalog.All.Where(m => m.CanAct).Select(m => m.Name))})");
        }
        var options = config.FastWeightOptions();
        return new ActorCriticNetwork(rng, task.ObservationSize, task.Actions, (r, d) => CreateLayer(r, d, config.Hidden, options));
    }

    /// <summary>Builds the recurrent layer of a recurrent model.</summary>
    /// <exception cref="InvalidOperationException">The model is not of the recurrent family.</exception>
    public RecurrentLayer CreateLayer(Rng rng, int inputSize, int hiddenSize, FastWeightRnnOptions options) =>
        (Layer ?? throw new InvalidOperationException($"{Name} is not a recurrent layer"))(rng, inputSize, hiddenSize, options);

    /// <summary>
    /// Where the model predicts on <paramref name="task"/>: a recurrent model on a one-answer-per-sequence task is the
    /// network of Ba et al. §4.1 (one answer from the last hidden state); everything else predicts at every position.
    /// </summary>
    public TargetLayout PredictsOn(ISequenceTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return LayoutOn(task.Targets, task.Image is not null);
    }

    private TargetLayout LayoutOn(TargetLayout targets, bool images)
    {
        bool oneAnswer = Family == ModelFamily.Recurrent || (images && CreateImageModel is not null);
        return oneAnswer && targets == TargetLayout.OnePerSequence ? TargetLayout.OnePerSequence : TargetLayout.EveryPosition;
    }

    /// <summary>The model settings its recurrent layer reads beyond <c>--hidden</c>, by flag: fw-rnn's λ, η, S and form.</summary>
    public IReadOnlyList<string> LayerSettings { get; init; } = [];

    /// <summary>
    /// The flags of the model settings (<see cref="SettingPart.Model"/>) this model reads on <paramref name="task"/>: what
    /// its runs' <c>config.json</c> holds, so that a configuration describes the model it belongs to. An agent's core and
    /// the recurrent layer of a glimpse network read R and the layer's settings; the network of Ba et al. §4.1 also its
    /// embedding; a per-position model D, the blocks and the MLP, with the heads of its attention or fast-weight layers,
    /// the short convolution of the fast weight programmers, or R and the layer settings of its recurrent mixer.
    /// </summary>
    public IReadOnlyList<string> SettingsOn(TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (Family == ModelFamily.ConvNet)
        {
            return ["--hidden"];
        }
        string[] recurrent = Family == ModelFamily.Recurrent ? ["--hidden", .. LayerSettings] : [];
        if (task.IsReinforcement || (task.Images && CreateImageModel is not null && task.Targets == TargetLayout.OnePerSequence))
        {
            return recurrent;
        }
        if (LayoutOn(task.Targets, task.Images) == TargetLayout.OnePerSequence)
        {
            return [.. recurrent, "--embedding"];
        }
        string[] mixer = Family switch
        {
            ModelFamily.FastWeightProgrammer => ["--heads", "--short-conv", "--conventions", "--key-dim", "--value-dim", "--mlp-size", "--norm-eps"],
            ModelFamily.Attention => ["--heads"],
            _ => recurrent,
        };
        return ["--d-model", "--layers", "--mlp-ratio", .. mixer];
    }

    /// <summary>Whether the model can be trained on <paramref name="task"/> (a ConvNet needs an image task).</summary>
    public bool TrainsOn(ISequenceTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return !ImageOnly || (task.Image is not null && CreateImageModel is not null);
    }

    /// <summary>What reads the task's examples: the head the model gets on <paramref name="task"/>, for listings.</summary>
    public string HeadOn(ISequenceTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!TrainsOn(task))
        {
            return "not available";
        }
        if (task.Image is not null && CreateImageModel is not null && task.Targets == TargetLayout.OnePerSequence)
        {
            return Family == ModelFamily.Recurrent ? "glimpse network of Ba et al. §4.2" : "whole image";
        }
        return PredictsOn(task) == TargetLayout.OnePerSequence ? "the network of Ba et al. §4.1" : "per-position head";
    }

    /// <summary>The model <paramref name="config"/> describes for <paramref name="task"/>, initialised from <paramref name="rng"/>.</summary>
    public TokenModel Create(TrainingConfig config, ISequenceTask task, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = config.FastWeightOptions();
        if (task.Image is { } image && CreateImageModel is not null && task.Targets == TargetLayout.OnePerSequence)
        {
            return CreateImageModel(rng, config, image, task.Classes);
        }
        if (!TrainsOn(task))
        {
            throw new ArgumentException($"model '{Name}' reads images only; --task {task.Name} is not an image task");
        }
        if (PredictsOn(task) == TargetLayout.OnePerSequence)
        {
            return new AssociativeRetrievalNetwork(rng, task.Vocabulary, config.EmbeddingSize, (r, d) => CreateLayer(r, d, config.Hidden, options), classes: task.Classes);
        }
        return CreateSequenceModel(rng, task.Vocabulary, task.Classes, new SequenceModelOptions
        {
            ModelDim = config.DModel,
            Layers = config.Layers,
            Heads = config.Heads,
            MlpRatio = config.MlpRatio,
            ShortConv = config.ShortConv,
            Conventions = config.Conventions == "fla" ? LayerConventions.Fla : LayerConventions.FastWeights,
            KeyDim = config.KeyDim,
            ValueDim = config.ValueDim,
            MlpSize = config.MlpSize,
            NormEps = config.NormEps,
            MaxPositions = NeedsPositions ? task.Length : 0,
            RecurrentHidden = config.Hidden,
            Recurrent = options,
        });
    }
}
