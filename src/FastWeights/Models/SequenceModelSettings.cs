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

    /// <summary>The conventions of the fast-weight layers and their blocks: <c>fastweights</c> (this library's) or <c>fla</c> (flash-linear-attention's).</summary>
    [Setting("--conventions", SettingPart.Model, "fastweights (layer norms, ReLU MLP, q unscaled, β and α from σ of biased projections) or fla (flash-linear-attention's: RMSNorm, SwiGLU, q·d_k^-1/2, SiLU without the convolution too, Mamba-style decay, gated output norm; what 'import fla' writes)", Scope = "Fast weight programmers", Since = 8)]
    public string Conventions { get; init; } = "fastweights";

    /// <summary>Key (and query) size per head of the fast-weight layers; 0: D / heads.</summary>
    [Setting("--key-dim", SettingPart.Model, "Key size per head (0: D / heads)", Scope = "Fast weight programmers", Since = 8)]
    public int KeyDim { get; init; }

    /// <summary>Value size per head of the fast-weight layers; 0: D / heads.</summary>
    [Setting("--value-dim", SettingPart.Model, "Value size per head (0: D / heads)", Scope = "Fast weight programmers", Since = 8)]
    public int ValueDim { get; init; }

    /// <summary>Hidden units of the blocks' MLP; 0: from --mlp-ratio.</summary>
    [Setting("--mlp-size", SettingPart.Model, "MLP hidden units (0: --mlp-ratio × D; with fla conventions, fla's ⌈(2/3)·ratio·D / 256⌉ · 256)", Scope = "Fast weight programmers", Since = 8)]
    public int MlpSize { get; init; }

    /// <summary>ε of every normalisation of the model; 0: the conventions' own (1e-5 fastweights, 1e-6 fla).</summary>
    [Setting("--norm-eps", SettingPart.Model, "ε of the norms (0: the conventions' own, 1e-5 fastweights, 1e-6 fla)", Scope = "Fast weight programmers", Since = 8)]
    public float NormEps { get; init; }

    private void ValidateSequenceModel()
    {
        Require(Conventions is "fastweights" or "fla", "--conventions must be fastweights or fla");
        Require(KeyDim >= 0 && ValueDim >= 0 && MlpSize >= 0, "--key-dim, --value-dim and --mlp-size must be 0 or more");
        Require(NormEps >= 0 && float.IsFinite(NormEps), "--norm-eps must be 0 or more");
        Require(DModel >= 1, "--d-model must be at least 1");
        Require(Layers >= 1, "--layers must be at least 1");
        // A recurrent mixer has no heads (see ModelSpec.SettingsOn).
        Require(!ModelCatalog.Find(Model).SettingsOn(TaskCatalog.Find(Task)).Contains("--heads") || (Heads >= 1 && DModel % Heads == 0), "--heads must be at least 1 and divide --d-model");
        Require(MlpRatio >= 0, "--mlp-ratio must be 0 or more");
    }
}
