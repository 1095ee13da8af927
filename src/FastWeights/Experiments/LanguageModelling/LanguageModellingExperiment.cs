using FastWeights.Models;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>
/// The language-modelling comparison: every sequence model of the catalog trained on one text with the same budget
/// (steps, batch, context, so the same tokens) at about the same parameter count, and the fast weight programmers again
/// with carried state (<c>--carry-state</c>). Two grids of <see cref="GridExperiment"/> into one output directory:
/// <c>runs/&lt;model&gt;-d&lt;D&gt;-s&lt;seed&gt;</c> without and <c>runs/&lt;model&gt;-carry-d&lt;D&gt;-s&lt;seed&gt;</c> with carried state.
/// </summary>
public static class LanguageModellingExperiment
{
    /// <summary>The models compared: softmax attention, the four fast weight programmers, the fast-weights RNN and the LSTM.</summary>
    public static IReadOnlyList<string> Models { get; } = ["transformer", "linear-attention", "decay-attention", "deltanet", "gated-deltanet", "fw-rnn", "lstm"];

    /// <summary>Model sizes D (the grid's size axis).</summary>
    public static IReadOnlyList<int> Sizes { get; } = [128];

    /// <summary>Steps per run.</summary>
    public const int DefaultSteps = 1000;

    /// <summary>Windows per step.</summary>
    public const int DefaultBatch = 16;

    /// <summary>Tokens per window.</summary>
    public const int DefaultContext = 256;

    /// <summary>Blocks per model.</summary>
    public const int DefaultLayers = 2;

    /// <summary>
    /// Recurrent units R of a recurrent model's mixer at model size D, so that its mixer has about the 4·D² weights of an
    /// attention mixer (q, k, v, o): the fast-weights RNN has D·R + R² + R·D (R = (√5 − 1)·D ≈ 1.24·D), the LSTM
    /// 4·D·R + 4·R² + R·D (R = (√89 − 5)/8·D ≈ 0.55·D). Unused by the other models.
    /// </summary>
    public static int RecurrentUnits(string model, int d) => model switch
    {
        "lstm" => (int)Math.Round((Math.Sqrt(89) - 5) / 8 * d),
        _ => (int)Math.Round((Math.Sqrt(5) - 1) * d),
    };

    /// <summary>The size axis: D sets <c>--d-model</c> and the recurrent units; <paramref name="carryState"/> sets <c>--carry-state</c>.</summary>
    public static GridSizeAxis ModelSize(bool carryState) =>
        new("D", carryState ? "carry-d" : "d", (c, d) => c with { DModel = d, Hidden = RecurrentUnits(c.Model, d), CarryState = carryState }, c => c.DModel);

    /// <summary>The configuration every run starts from: the text, <paramref name="steps"/> steps validated 10 times, checkpointed 5 times.</summary>
    public static TrainingConfig Base(string dataFile, int steps, int context = DefaultContext) => new()
    {
        Task = "lm",
        DataFile = dataFile,
        Context = context,
        Steps = steps,
        Batch = DefaultBatch,
        Layers = DefaultLayers,
        Heads = 2,
        LearningRate = 3e-3f,
        WarmupSteps = Math.Min(200, steps / 5),
        EvalEvery = Math.Max(1, steps / 10),
        SaveEvery = Math.Max(1, steps / 5),
    };

    /// <summary>The grid with carried state: the models of <paramref name="plain"/> that can carry one.</summary>
    public static GridSettings? Carried(GridSettings plain)
    {
        ArgumentNullException.ThrowIfNull(plain);
        var models = plain.Models.Where(m => ModelCatalog.Find(m).CanCarryState).ToList();
        return models.Count == 0 ? null : plain with { Models = models, SizeAxis = ModelSize(carryState: true) };
    }
}
