using System.Text.Json;
using System.Text.Json.Serialization;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Models;

namespace FastWeights.Training;

/// <summary>
/// Every setting of a training run, with its default: the one place defaults live. Saved as
/// <c>config.json</c> in the run directory (snake_case keys).
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Model name (see <see cref="ModelCatalog"/>).</summary>
    public string Model { get; init; } = "fw-rnn";

    /// <summary>Task name: <c>assoc</c> (associative retrieval, Ba et al. 2016, §4.1) or <c>mqar</c> (multi-query associative recall, Arora et al. 2023).</summary>
    public string Task { get; init; } = "assoc";

    /// <summary>Recurrent units R.</summary>
    public int Hidden { get; init; } = 50;

    /// <summary>Key–value pairs per sequence K.</summary>
    public int Pairs { get; init; } = 4;

    /// <summary>Embedding size (100 in the paper).</summary>
    public int EmbeddingSize { get; init; } = 100;

    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 10_000;

    /// <summary>Examples per step (128 in the paper).</summary>
    public int Batch { get; init; } = 128;

    /// <summary>Peak Adam learning rate.</summary>
    public float LearningRate { get; init; } = 2e-3f;

    /// <summary>Linear warm-up steps before the cosine decay (capped below <see cref="Steps"/>).</summary>
    public int WarmupSteps { get; init; } = 200;

    /// <summary>Final learning rate as a fraction of the peak (cosine schedule floor).</summary>
    public float MinLearningRateFraction { get; init; } = 0.05f;

    /// <summary>Global gradient-norm clipping threshold.</summary>
    public float ClipNorm { get; init; } = 5f;

    /// <summary>Seed of the data, the initialisation and the batch order.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Fast-weights decay λ.</summary>
    public float Lambda { get; init; } = 0.95f;

    /// <summary>Fast-weights learning rate η.</summary>
    public float Eta { get; init; } = 0.5f;

    /// <summary>Inner steps S.</summary>
    public int InnerSteps { get; init; } = 1;

    /// <summary>Which form computes the fast weights.</summary>
    public FastWeightsForm Form { get; init; } = FastWeightsForm.Auto;

    /// <summary>Training examples.</summary>
    public int TrainSize { get; init; } = 100_000;

    /// <summary>Validation examples.</summary>
    public int ValidationSize { get; init; } = 10_000;

    /// <summary>Test examples.</summary>
    public int TestSize { get; init; } = 20_000;

    /// <summary>Steps between validations (and metrics lines).</summary>
    public int EvalEvery { get; init; } = 500;

    /// <summary>Steps between checkpoints.</summary>
    public int SaveEvery { get; init; } = 1000;

    /// <summary>MQAR vocabulary size V.</summary>
    public int Vocab { get; init; } = 256;

    /// <summary>MQAR input length T.</summary>
    public int Length { get; init; } = 64;

    /// <summary>MQAR key–value pairs (and queries) per sequence.</summary>
    public int KvPairs { get; init; } = 4;

    /// <summary>Model size D of the sequence models (linear-attention, deltanet, gated-deltanet, transformer, and recurrent models on mqar).</summary>
    public int DModel { get; init; } = 64;

    /// <summary>Blocks of the sequence models.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Heads per mixer of the sequence models.</summary>
    public int Heads { get; init; } = 2;

    /// <summary>MLP hidden size of the sequence models' blocks as a multiple of D (0: none).</summary>
    public int MlpRatio { get; init; } = 2;

    /// <summary>Whether the fast-weight layers use the short causal convolution on q, k, v.</summary>
    public bool ShortConv { get; init; } = true;

    /// <summary>
    /// Whether this run trains a per-position sequence model (<see cref="Trainer"/>'s sequence path): any task other than
    /// assoc, or a model that is not one of <see cref="ModelCatalog"/>'s recurrent models. Recurrent models on assoc keep the
    /// original path (the paper's network, same numbers as before).
    /// </summary>
    public bool IsSequenceRun() =>
        !string.Equals(Task, "assoc", StringComparison.OrdinalIgnoreCase) || Programmers.Layers.SequenceModelCatalog.Contains(Model);

    /// <summary>The fast-weights options these settings imply.</summary>
    public FastWeightRnnOptions FastWeightOptions() => new() { Lambda = Lambda, Eta = Eta, InnerSteps = InnerSteps, Form = Form };

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> with a one-line message naming the option.</summary>
    public void Validate()
    {
        Programmers.Layers.SequenceModelCatalog.Find(Model);
        if (!string.Equals(Task, "assoc", StringComparison.OrdinalIgnoreCase) && !string.Equals(Task, "mqar", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"unknown task '{Task}'; valid tasks: assoc, mqar");
        }
        if (IsSequenceRun())
        {
            Require(DModel >= 1, "--d-model must be at least 1");
            Require(Layers >= 1, "--layers must be at least 1");
            Require(Heads >= 1 && DModel % Heads == 0, "--heads must be at least 1 and divide --d-model");
            Require(MlpRatio >= 0, "--mlp-ratio must be 0 or more");
            if (string.Equals(Task, "mqar", StringComparison.OrdinalIgnoreCase))
            {
                _ = new Tasks.MultiQueryAssociativeRecallTask(Vocab, Length, KvPairs);
            }
        }
        Require(Hidden >= 1, "--hidden must be at least 1");
        Require(Pairs is >= 1 and <= 26, "--pairs must be between 1 and 26");
        Require(EmbeddingSize >= 1, "--embedding must be at least 1");
        Require(Steps >= 1, "--steps must be at least 1");
        Require(Batch >= 1, "--batch must be at least 1");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), "--lr must be a positive number");
        Require(WarmupSteps >= 0, "--warmup must be 0 or more");
        Require(MinLearningRateFraction is >= 0f and <= 1f, "the minimum learning-rate fraction must be in [0, 1]");
        Require(ClipNorm > 0 && float.IsFinite(ClipNorm), "--clip must be a positive number");
        Require(Lambda is >= 0f and <= 1f, "--lambda must be in [0, 1]");
        Require(Eta >= 0f && float.IsFinite(Eta), "--eta must be 0 or more");
        Require(InnerSteps >= 1, "--inner-steps must be at least 1");
        Require(TrainSize >= 1 && ValidationSize >= 1 && TestSize >= 1, "split sizes must be at least 1");
        Require(EvalEvery >= 1, "--eval-every must be at least 1");
        Require(SaveEvery >= 1, "--save-every must be at least 1");
    }

    private static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }

    /// <summary>JSON options used for config.json and metrics.jsonl.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Serialises to indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses config.json; throws <see cref="FormatException"/> with the path on bad content.</summary>
    public static TrainingConfig FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingConfig>(json, JsonOptions) ?? throw new FormatException($"{source}: empty configuration");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: invalid configuration ({e.Message})", e);
        }
    }
}
