using FastWeights.Tasks.Glimpses;
using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>
/// Table 2 of Ba, Hinton, Mnih, Leibo, Ionescu 2016, "Using Fast Weights to Attend to the Recent Past": test error (%)
/// on MNIST of models that integrate the 24 glimpses of §4.2 (and the ConvNet that sees the whole image), with 50, 100
/// and 200 features (recurrent units, or the ConvNet's last hidden layer).
/// </summary>
public static class PaperTable2
{
    /// <summary>
    /// Default optimiser steps per cell: 12 cells × two data sets fit in about an hour on a 2-core machine
    /// (docs/results/table2.md gives the measurements); the paper does not say how long it trained.
    /// </summary>
    public const int DefaultSteps = 3000;

    /// <summary>The sizes of the paper's columns.</summary>
    public static IReadOnlyList<int> Sizes { get; } = [50, 100, 200];

    /// <summary>The models of the paper's rows (catalog names), in the paper's order.</summary>
    public static IReadOnlyList<string> Models { get; } = ["irnn", "lstm", "convnet", "fw-rnn"];

    // The paper's Table 2 (MNIST, test error %) as recalled: the PDF could not be read where this was written, so these
    // figures await a check against arXiv 1610.06258 (docs/results/table2.md says so beside them).
    private static readonly Dictionary<(string, int), double> Errors = new()
    {
        [("irnn", 50)] = 12.95,
        [("irnn", 100)] = 1.95,
        [("irnn", 200)] = 1.42,
        [("lstm", 50)] = 12.60,
        [("lstm", 100)] = 1.55,
        [("lstm", 200)] = 1.10,
        [("convnet", 50)] = 1.81,
        [("convnet", 100)] = 1.00,
        [("convnet", 200)] = 0.72,
        [("fw-rnn", 50)] = 7.21,
        [("fw-rnn", 100)] = 1.30,
        [("fw-rnn", 200)] = 0.85,
    };

    /// <summary>The published test error in percent, or null when the paper has no such cell.</summary>
    public static double? ErrorPercent(string model, int size) => Errors.TryGetValue((model, size), out double e) ? e : null;

    /// <summary>The row label the paper uses for a catalog model name.</summary>
    public static string Label(string model) => model switch
    {
        "irnn" => "IRNN",
        "lstm" => "LSTM",
        "convnet" => "ConvNet",
        "fw-rnn" => "Fast weights",
        _ => model,
    };

    /// <summary>The configuration every cell of the grid starts from: the glimpse task on <paramref name="dataDir"/>, validated 10 times and checkpointed 5 times.</summary>
    public static TrainingConfig Base(string dataDir, int steps) => new()
    {
        Task = "glimpses",
        DataDir = dataDir,
        Steps = steps,
        EvalEvery = Math.Max(1, steps / 10),
        SaveEvery = Math.Max(1, steps / 5),
    };

    /// <summary>The table as the grid report writes it.</summary>
    public static PaperTable Table { get; } = new(
        "table2",
        "Table 2 of Ba et al. 2016: integrating glimpses, test error (%)",
        "Ba, Hinton, Mnih, Leibo, Ionescu 2016, Using Fast Weights to Attend to the Recent Past, Table 2 (MNIST)",
        "F",
        Label,
        ErrorPercent,
        c => FormattableString.Invariant($"Ours is the test error on at most {c.TestSize} test images of {c.DataDir}; the recurrent models see the {GlimpseSequence.Count} glimpses of §4.2 (F recurrent units), the ConvNet the whole image (F features before the softmax). The paper's numbers are on MNIST (60,000 training images)"),
        c => [FormattableString.Invariant($"Data: the training file of {c.DataDir} less its last {c.ValidationFraction:P0} (validation), at most {c.TrainSize} images; fast weights λ = {c.Lambda:G3}, η = {c.Eta:G3}, S = {c.InnerSteps}.")]);
}
