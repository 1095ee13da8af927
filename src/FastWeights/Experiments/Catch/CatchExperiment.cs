using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>
/// The comparison of Ba et al. 2016, §5: actor-critic agents with different recurrent cores on the partially observable
/// Catch game, at several screen sizes, trained with one budget and recipe for every model (the grid of
/// <see cref="GridExperiment"/> with the screen side N as its size).
/// </summary>
public static class CatchExperiment
{
    /// <summary>The cores compared: fast weights, the same RNN without them, the IRNN and the LSTM.</summary>
    public static IReadOnlyList<string> Models { get; } = ["fw-rnn", "rnn-ln", "irnn", "lstm"];

    /// <summary>Screen sides N.</summary>
    public static IReadOnlyList<int> Sizes { get; } = [16, 24];

    /// <summary>Updates per cell.</summary>
    public const int DefaultSteps = 5000;

    /// <summary>Episodes per update.</summary>
    public const int DefaultBatch = 64;

    /// <summary>Recurrent units of every core.</summary>
    public const int DefaultHidden = 64;

    /// <summary>Frames seen before the screen goes blank on an N×N screen when not given: N / 3 (8 of 23 steps at N = 24).</summary>
    public static int DefaultBlankAfter(int size) => Math.Max(1, size / 3);

    /// <summary>The size axis: N sets <c>--size</c> and, unless <paramref name="blankAfter"/> fixes it, <c>--blank-after</c> = N / 3.</summary>
    public static GridSizeAxis Board(int? blankAfter) =>
        new("N", "n", (c, n) => c with { Size = n, BlankAfter = blankAfter ?? DefaultBlankAfter(n) }, c => c.Size);

    /// <summary>The configuration every cell starts from: <paramref name="steps"/> updates, validated 20 times and checkpointed 10 times.</summary>
    public static TrainingConfig Base(int steps, int batch = DefaultBatch) => GridSettings.ForSteps(steps) with
    {
        Task = "catch",
        Hidden = DefaultHidden,
        Batch = batch,
    };
}
