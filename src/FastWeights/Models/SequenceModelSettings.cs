using FastWeights.Models;
using FastWeights.Tasks;

namespace FastWeights.Training;

/// <summary>The settings of the per-position sequence models (fast weight programmers, softmax attention, recurrent layers with a per-position head), part of a run's configuration.</summary>
public sealed partial record TrainingConfig
{
    // D, the blocks, the heads, the MLP ratio and the short convolution default to the model's own defaults
    // (SequenceModelOptions), declared once there.
    private static readonly SequenceModelOptions SequenceDefaults = new();

    /// <summary>Model size D of the sequence models (linear-attention, deltanet, gated-deltanet, transformer, and recurrent models on mqar).</summary>
    [Setting("--d-model", SettingPart.Model, "Model size D", Scope = "Sequence models")]
    public int DModel { get; init; } = SequenceDefaults.ModelDim;

    /// <summary>Blocks of the sequence models.</summary>
    [Setting("--layers", SettingPart.Model, "Number of blocks", Scope = "Sequence models")]
    public int Layers { get; init; } = SequenceDefaults.Layers;

    /// <summary>Heads per mixer of the sequence models.</summary>
    [Setting("--heads", SettingPart.Model, "Heads per layer", Scope = "Sequence models")]
    public int Heads { get; init; } = SequenceDefaults.Heads;

    /// <summary>MLP hidden size of the sequence models' blocks as a multiple of D (0: none).</summary>
    [Setting("--mlp-ratio", SettingPart.Model, "MLP size as a multiple of D (0: no MLP)", Scope = "Sequence models")]
    public int MlpRatio { get; init; } = SequenceDefaults.MlpRatio;

    /// <summary>Whether the fast-weight layers use the short causal convolution on q, k, v.</summary>
    [Setting("--short-conv", SettingPart.Model, "Fast-weight layers: short causal convolution on q, k, v (true/false)", Scope = "Sequence models")]
    public bool ShortConv { get; init; } = SequenceDefaults.ShortConv;

    private void ValidateSequenceModel()
    {
        Require(DModel >= 1, "--d-model must be at least 1");
        Require(Layers >= 1, "--layers must be at least 1");
        // A recurrent mixer has no heads (see ModelSpec.SettingsOn).
        Require(!ModelCatalog.Find(Model).SettingsOn(TaskCatalog.Find(Task)).Contains("--heads") || (Heads >= 1 && DModel % Heads == 0), "--heads must be at least 1 and divide --d-model");
        Require(MlpRatio >= 0, "--mlp-ratio must be 0 or more");
    }
}
