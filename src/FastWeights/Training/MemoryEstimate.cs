using System.Globalization;
using FastWeights.Kernels;
using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tasks.Glimpses;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// The memory a run needs, estimated from its <see cref="TrainingConfig"/> alone (nothing large is built), so that a run
/// too large for the machine is refused before anything is allocated or written. It is an upper-ish estimate of the
/// memory the run cannot do without: on 13 short CPU runs of every model family and task it was 1.2 to 4 times the
/// smallest managed heap each completed in (<c>DOTNET_GCHeapHardLimit</c>), most of them 1.2 to 2 times; their peak
/// resident memory on a 24 GB machine, where the garbage collector lets garbage pile up, was 0.6 to 3 times the
/// estimate. Sizes are counted in doubles, so no setting overflows it. With N = train + validation +
/// test examples, T the sequence length, τ the targets per example (1, or T for a per-position model), B the batch,
/// E the evaluation batch (250 for the per-position models, 500 for the ConvNet, 1000 otherwise), P the parameters,
/// and 4-byte ids and floats:
/// <list type="bullet">
/// <item><b>data</b>: N · (4T + 4τ + 4T + 96) bytes: ids, targets, and the generator's bookkeeping (associative
/// retrieval keeps every sequence as a string in a set for its duplicate check). For the glimpse task N is capped at the
/// MNIST-format files' 60,000 training and 10,000 test images, and each image counts its 784 bytes as read; Catch has
/// no dataset. Evaluation without the splits (<c>predict</c>, <c>test --data</c>) counts none.</item>
/// <item><b>parameters</b>: 4P · 6 bytes when training (weights, gradients, Adam's two moments, and the copies that
/// saving or resuming a checkpoint stages), plus 4P · 2S for the S replicas of a data-parallel step (<c>--shards</c>,
/// batches of 16 or more), 4P · 2 when evaluating. P is counted from the settings and equals the built
/// model's; a recurrent layer's g·R·(D + R + 1) + e·R is read off two tiny builds of it.</item>
/// <item><b>activations</b>: 4 · (2B + E) · T · W bytes (a training step keeps values and gradients, an evaluation pass
/// values), W the floats on the tape per position: the embedding and the final norm 4D, the per-position head
/// 3 × classes, and per block 4D, an MLP of ratio m 2D + 2mD, and the mixer: 20D + 2H + D²/(64H) for the fast weight
/// programmers (projections, convolutions, feature maps, chunk states), 6D + 4HT for softmax attention (its H × T × T
/// scores), or a recurrent layer's input, projected input and output, (g + 1)·R (+ T·S in the fast-weights RNN's
/// efficient form). A recurrent layer's kernel workspace, grown to max(B, E) examples (E when evaluating), adds that · T · (5g + 2S)·R
/// floats, and for the fast-weights RNN a partial dW of R² per 12 examples and, per worker thread, (2 + 2√T)·R² in the
/// explicit form or 24·T·R in the efficient one. A Catch agent keeps 2N² per step of its B × (N − 1) steps per update
/// (E = 1000 greedy episodes); the ConvNet about 177 floats per pixel of an image (its convolutions' outputs and
/// unfolded patches).</item>
/// <item><b>runtime</b>: 100 MB for the .NET runtime and the code.</item>
/// </list>
/// Each array the run allocates at once (a split's ids, a batch's logits, the attention scores, the partial dW, …) must
/// also fit one .NET array (<see cref="Array.MaxLength"/> elements), whatever the limit.
/// </summary>
public sealed record MemoryEstimate
{
    /// <summary>Bytes in a gigabyte as these messages count them (2³⁰, as <c>free -g</c> does).</summary>
    public const double BytesPerGigabyte = 1024d * 1024 * 1024;

    /// <summary>The fixed cost of the runtime and the code.</summary>
    public const double RuntimeBytes = 100d * 1024 * 1024;

    // Evaluation batches of the models (their TokenModel.EvaluationBatch; a test holds these to the models) and of the
    // agent's greedy episodes (PolicyEvaluation.Batch).
    internal const int SequenceModelEvaluationBatch = 250;
    internal const int RecurrentEvaluationBatch = 1000;
    internal const int ConvNetEvaluationBatch = 500;

    // MNIST-format files hold at most this many images (MNIST and Fashion-MNIST: 60,000 training and 10,000 test).
    private const int ImageTrainingFileLimit = 60_000;
    private const int ImageTestFileLimit = 10_000;

    private MemoryEstimate(double data, double parameters, double activations, double parameterCount, IReadOnlyList<(string What, double Elements)> arrays)
    {
        DataBytes = data;
        ParameterBytes = parameters;
        ActivationBytes = activations;
        ParameterCount = parameterCount;
        Arrays = arrays;
    }

    /// <summary>Bytes of the data splits (zero for a reinforcement task, or when the estimate leaves them out).</summary>
    public double DataBytes { get; }

    /// <summary>Bytes of the parameters and what is kept per parameter (gradients, optimizer state, staged copies).</summary>
    public double ParameterBytes { get; }

    /// <summary>Bytes of the activations of a training step and of an evaluation batch.</summary>
    public double ActivationBytes { get; }

    /// <summary>The model's parameter count P as the estimate counts it.</summary>
    public double ParameterCount { get; }

    /// <summary>The largest single arrays the run allocates, by what they hold, in elements (each must fit one .NET array).</summary>
    public IReadOnlyList<(string What, double Elements)> Arrays { get; }

    /// <summary>The whole estimate: data, parameters, activations and <see cref="RuntimeBytes"/>.</summary>
    public double TotalBytes => DataBytes + ParameterBytes + ActivationBytes + RuntimeBytes;

    /// <summary>The parts in one phrase, for messages: "data 1.2 GB, parameters and optimizer state 0.1 GB, activations 0.4 GB".</summary>
    public string Breakdown => $"data {Gigabytes(DataBytes)} GB, parameters and optimizer state {Gigabytes(ParameterBytes)} GB, activations {Gigabytes(ActivationBytes)} GB";

    /// <summary>The memory a training run of <paramref name="config"/> needs (its data, its model with Adam, a step and a validation).</summary>
    /// <exception cref="ArgumentException">A setting is invalid (see <see cref="TrainingConfig.Validate"/>).</exception>
    public static MemoryEstimate ForTraining(TrainingConfig config) => Estimate(config, training: true, withData: true);

    /// <summary>
    /// The memory evaluating a trained run of <paramref name="config"/> needs: its weights and forward passes over
    /// evaluation batches, with the run's data splits when <paramref name="withData"/> (<c>test --split</c>) or without
    /// (<c>predict</c>, or <c>test --data</c>, whose file is bounded as it is read).
    /// </summary>
    public static MemoryEstimate ForEvaluation(TrainingConfig config, bool withData) => Estimate(config, training: false, withData);

    /// <summary>
    /// The memory a run may use: <c>--max-memory-gb</c> when set, else what this machine (or its container) lets the
    /// process have (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).
    /// </summary>
    public static double AvailableBytes(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.MaxMemoryGb > 0 ? config.MaxMemoryGb * BytesPerGigabyte : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>
    /// Throws when the run cannot be allocated: an array would exceed the largest .NET array, or <see cref="TotalBytes"/>
    /// exceeds <see cref="AvailableBytes"/> (then the message gives the estimate, its parts and the override).
    /// </summary>
    /// <param name="config">The run (its <c>--max-memory-gb</c>).</param>
    /// <param name="what">What needs the memory, starting the message ("this run", "testing this run").</param>
    /// <exception cref="ArgumentException">The run does not fit.</exception>
    public void EnsureFits(TrainingConfig config, string what = "this run")
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var (name, elements) in Arrays)
        {
            if (elements > Array.MaxLength)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{what} needs an array of {elements:N0} {name}, more than the {Array.MaxLength:N0} one .NET array holds; lower the sizes"));
            }
        }
        double available = AvailableBytes(config);
        if (TotalBytes > available)
        {
            string limit = config.MaxMemoryGb > 0 ? "the --max-memory-gb limit of" : "the";
            string holder = config.MaxMemoryGb > 0 ? string.Empty : " this machine has";
            throw new ArgumentException($"{what} needs about {Gigabytes(TotalBytes)} GB ({Breakdown}), more than {limit} {Gigabytes(available)} GB{holder}; lower the sizes, or use --max-memory-gb to override");
        }
    }

    /// <summary>A byte count in GB for messages: whole GB from 10 GB, one decimal from 1 GB, up to three below ("0.015").</summary>
    public static string Gigabytes(double bytes)
    {
        double gb = bytes / BytesPerGigabyte;
        string format = gb >= 1e6 ? "G3" : gb >= 10 ? "N0" : gb >= 1 ? "F1" : "0.0##";
        return gb.ToString(format, CultureInfo.InvariantCulture);
    }

    private static MemoryEstimate Estimate(TrainingConfig config, bool training, bool withData)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var spec = ModelCatalog.Find(config.Model);
        var counter = new Counter(config, spec, training);
        if (TaskCatalog.IsReinforcement(config))
        {
            counter.Agent(TaskCatalog.CreateReinforcement(config));
        }
        else
        {
            counter.Sequences(TaskCatalog.Create(config), withData);
        }
        return counter.Result();
    }

    // Adds up the parts of one estimate, in floats and bytes held as doubles.
    private sealed class Counter(TrainingConfig config, ModelSpec spec, bool training)
    {
        private readonly List<(string, double)> arrays = [];
        private double data, parameters, trainingFloats, evaluationFloats, sharedFloats;

        private int Threads => KernelThreads.MaxThreads;

        public MemoryEstimate Result()
        {
            // A data-parallel step also keeps each shard replica's weights and gradients.
            bool sharded = training && TrainingStep.Splits(config.Shards, config.Batch) && !TaskCatalog.Find(config.Task).IsReinforcement;
            double perParameter = training ? 6 + (sharded ? 2 * config.Shards : 0) : 2;
            double activations = 4 * ((training ? trainingFloats : 0) + evaluationFloats + sharedFloats);
            return new MemoryEstimate(data, 4 * parameters * perParameter, activations, parameters, arrays);
        }

        public void Sequences(ISequenceTask task, bool withData)
        {
            double t = task.Length;
            var layout = spec.PredictsOn(task);
            double tau = layout == TargetLayout.EveryPosition ? t : 1;
            double n = (double)config.TrainSize + config.ValidationSize + config.TestSize;
            double largest = Math.Max(config.TrainSize, Math.Max(config.ValidationSize, config.TestSize));
            if (task.Image is { } image && spec.CreateImageModel is not null && layout == TargetLayout.OnePerSequence)
            {
                double trainFile = Math.Min(ImageTrainingFileLimit, (double)config.TrainSize + config.ValidationSize);
                double testFile = Math.Min(ImageTestFileLimit, config.TestSize);
                n = trainFile + testFile;
                largest = Math.Min(largest, ImageTrainingFileLimit);
                data = n * ((4 * t) + 4 + image.Pixels);
                if (spec.Family == ModelFamily.ConvNet)
                {
                    ConvNet(image, task.Classes);
                }
                else
                {
                    Recurrent(GlimpseSequence.InputSize, config.Hidden, GlimpseSequence.Count, RecurrentEvaluationBatch, input: GlimpseSequence.InputSize);
                    Add(parameters: (config.Hidden * (double)task.Classes) + task.Classes, perExample: 2 * task.Classes, RecurrentEvaluationBatch);
                }
            }
            else
            {
                // Ids, targets (and the one-answer targets a per-position model's are made from), and the generator's
                // bookkeeping: associative retrieval keeps every sequence as a string in a set for its duplicate check.
                data = n * ((4 * t) + (4 * tau) + (layout == TargetLayout.EveryPosition && task.Targets == TargetLayout.OnePerSequence ? 4 : 0) + (4 * t) + 96);
                if (layout == TargetLayout.OnePerSequence)
                {
                    PaperNetwork(task);
                }
                else
                {
                    SequenceModel(task);
                }
            }
            if (!withData)
            {
                data = 0;
            }
            arrays.Add(("token ids in a split (its examples × the sequence length)", largest * t));
            arrays.Add(("token ids in a batch (--batch × the sequence length)", config.Batch * t));
        }

        // The network of Ba et al. §4.1: embedding, recurrent layer, a ReLU layer of 100 and the softmax.
        private void PaperNetwork(ISequenceTask task)
        {
            const double hidden = 100;
            double e = config.EmbeddingSize;
            Add(parameters: (task.Vocabulary * e) + (config.Hidden * hidden) + hidden + (hidden * task.Classes) + task.Classes, perExample: hidden + (3 * task.Classes), RecurrentEvaluationBatch);
            // The embedding table is projected once, so the layer's projected input is the lookup itself.
            Recurrent(e, config.Hidden, task.Length, RecurrentEvaluationBatch, input: 0);
        }

        // The per-position model: embedding (and positions), blocks, final norm and head at every position.
        private void SequenceModel(ISequenceTask task)
        {
            double d = config.DModel, t = task.Length, h = config.Heads, m = config.MlpRatio, c = task.Classes;
            int rows = Evaluator.Rows(SequenceModelEvaluationBatch, task.Length);
            double positions = spec.NeedsPositions ? t * d : 0;
            Add(parameters: (task.Vocabulary * d) + positions + (2 * d) + (d * c) + c, perExample: t * ((4 * d) + (3 * c)), rows);
            arrays.Add(("logits in a batch (--batch × the sequence length × the classes)", config.Batch * t * c));
            double mlp = m > 0 ? (2 * d) + (2 * m * d * d) + (m * d) + d : 0;
            for (int layer = 0; layer < config.Layers; layer++)
            {
                Add(parameters: (2 * d) + mlp, perExample: t * ((4 * d) + (m > 0 ? (2 * d) + (2 * m * d) : 0)), rows);
                switch (spec.Family)
                {
                    case ModelFamily.Recurrent:
                        Recurrent(d, config.Hidden, t, rows, input: 0);
                        Add(parameters: (config.Hidden * d) + d, perExample: t * d, rows);
                        break;
                    case ModelFamily.Attention:
                        Add(parameters: 4 * d * d, perExample: t * ((6 * d) + (4 * h * t)), rows);
                        arrays.Add(("attention scores in a batch (--batch × --heads × the sequence length²)", config.Batch * h * t * t));
                        break;
                    default:
                        // q, k, v, o projections, the β (delta rules) and α (decaying rules) gates, the short
                        // convolutions of kernel 4 with their biases, the per-head norm.
                        var rule = spec.Rule ?? FastWeightRule.Linear;
                        double gates = ((rule.IsDelta() ? 1 : 0) + (rule.HasDecay() ? 1 : 0)) * ((d * h) + h);
                        double conv = config.ShortConv ? 3 * d * (new FastWeightLayerOptions().ConvKernel + 1) : 0;
                        Add(parameters: (4 * d * d) + gates + conv + (2 * d / h), perExample: t * ((20 * d) + (2 * h) + (d * d / (64 * h))), rows);
                        break;
                }
            }
        }

        // The ConvNet of Ba et al.'s Table 2: two 5 × 5 convolutions (16 and 32 channels) with 2 × 2 max-pooling, F features.
        private void ConvNet(ImageShape image, int classes)
        {
            double pixels = image.Pixels, f = config.Hidden, flat = 32 * pixels / 16;
            double perImage = (pixels * (25 + (16 * 2))) + (pixels / 4 * 16) + (pixels / 4 * ((25 * 16) + (32 * 2))) + flat + (2 * f) + (3 * classes);
            Add(parameters: (16 * 25) + 16 + (32 * 16 * 25) + 32 + (flat * f) + f + (f * classes) + classes, perExample: perImage, ConvNetEvaluationBatch);
            arrays.Add(("unfolded image patches in a batch (--batch × 25 × 16 × the image's pixels / 4)", config.Batch * 25 * 16 * pixels / 4));
        }

        // The actor-critic agent: the recurrent core over N × N screens, a policy and a value head; B episodes per update.
        public void Agent(IReinforcementTask task)
        {
            double obs = task.ObservationSize, steps = task.EpisodeLength, r = config.Hidden, heads = task.Actions + 1;
            int evaluation = Reinforcement.PolicyEvaluation.Batch;
            Add(parameters: (r * heads) + heads, perExample: steps * ((2 * obs) + (3 * heads)), evaluation);
            Recurrent(obs, r, steps, evaluation, input: 0);
            arrays.Add(("observation values in an update (--batch × the episode length × the screen's pixels)", config.Batch * steps * obs));
        }

        // A recurrent layer of R units over T steps of inputs of size D, its shapes read off two tiny builds (every
        // recurrent layer has g·R·(D + R + 1) + e·R parameters: g the input projection's width per unit, e the rest).
        private void Recurrent(double d, double r, double t, int evaluationRows, double input)
        {
            var options = config.FastWeightOptions();
            double small = spec.CreateLayer(new Rng(0), 1, 2, options).Parameters().Sum(p => (double)p.Length);
            double wide = spec.CreateLayer(new Rng(0), 2, 2, options).Parameters().Sum(p => (double)p.Length);
            double g = (wide - small) / 2, e = (small - (8 * g)) / 2;
            var layer = spec.CreateLayer(new Rng(0), 1, 2, options) as FastWeightRnnLayer;
            bool fast = layer is { Options.UseFastWeights: true };
            double s = fast ? config.InnerSteps : 1;
            // On the tape: the input (when it is a tensor of its own), the projected input (g·R) and the output (R).
            double perPosition = input + ((g + 1) * r);
            bool efficient = fast && options.ResolveForm((int)Math.Min(t, int.MaxValue), (int)Math.Min(r, int.MaxValue)) == FastWeightsForm.Efficient;
            if (efficient)
            {
                // Efficient form: the attention of each position over the earlier ones, S times.
                perPosition += t * s;
            }
            Add(parameters: (g * r * (d + r + 1)) + (e * r), perExample: t * perPosition, evaluationRows);
            // The kernel's workspace, one per layer and grown to the largest batch it saw (training's or evaluation's):
            // what it saves for the backward pass (pre-activations, gates, cells, inner states and norms) and the
            // gradients it works through, about 5g·R + 2S·R per example and step (fw-rnn 3R to 5R, LSTM 11R, GRU-LN 16R,
            // A-LSTM 20R).
            double rows = training ? Math.Max(config.Batch, evaluationRows) : evaluationRows;
            sharedFloats += rows * t * ((5 * g) + (2 * s)) * r;
            if (layer is not null)
            {
                // The fast-weights RNN kernel's workspace (one per layer, grown to the largest batch it saw): a partial
                // dW per chunk of 12 examples (R × R each), and per worker thread, in the explicit form A(t), its
                // gradient and √T checkpoints and a segment of it, in the efficient form a chunk's gradients through
                // the memory (chunk × T × R).
                double chunks = Math.Ceiling(rows / FastWeightRnnKernel.ChunkSize);
                double root = Math.Ceiling(Math.Sqrt(t));
                double perWorker = !fast ? 0 : efficient ? 2 * FastWeightRnnKernel.ChunkSize * t * r : (2 + (2 * root)) * r * r;
                sharedFloats += (chunks * r * r) + (Threads * perWorker);
                arrays.Add(("partial gradients of the recurrent weights (⌈batch / 12⌉ × R × R)", chunks * r * r));
                arrays.Add(efficient
                    ? ("memory gradients per worker (a chunk × the steps × R)", FastWeightRnnKernel.ChunkSize * t * r)
                    : ("fast-weight values per worker (√T checkpoints of the R × R matrix A)", root * r * r));
            }
            arrays.Add(("recurrent weights (g·R × R)", g * r * r));
            arrays.Add(("inputs projected in a batch (--batch × the steps × g·R)", config.Batch * t * g * r));
        }

        // Parameters, and floats kept per example of a training batch (values and gradients) and of an evaluation batch.
        private void Add(double parameters, double perExample, int evaluationRows)
        {
            this.parameters += parameters;
            // A training step keeps the forward values and their gradients; a pass without the tape the values only.
            trainingFloats += 2 * config.Batch * perExample;
            evaluationFloats += evaluationRows * perExample;
        }
    }
}
