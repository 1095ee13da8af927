using FastWeights.Layers.FastWeightRnn;
using FastWeights.Models;

namespace FastWeights.Training;

/// <summary>The settings of the recurrent models (<see cref="ModelFamily.Recurrent"/>), part of a run's configuration.</summary>
public sealed partial record TrainingConfig
{
    // λ, η, S and the form default to the layer's own defaults (FastWeightRnnOptions), declared once there.
    private static readonly FastWeightRnnOptions FastWeightDefaults = new();

    /// <summary>Recurrent units R.</summary>
    [Setting("--hidden", SettingPart.Model, "Recurrent units R", Alias = "-R", Scope = "Recurrent models")]
    public int Hidden { get; init; } = 50;

    /// <summary>Embedding size (100 in the paper).</summary>
    [Setting("--embedding", SettingPart.Model, "Embedding size of the network of Ba et al. §4.1", Scope = "Recurrent models")]
    public int EmbeddingSize { get; init; } = 100;

    /// <summary>Fast-weights decay λ.</summary>
    [Setting("--lambda", SettingPart.Model, "Fast-weights decay λ in [0, 1]", Scope = "Recurrent models")]
    public float Lambda { get; init; } = FastWeightDefaults.Lambda;

    /// <summary>Fast-weights learning rate η.</summary>
    [Setting("--eta", SettingPart.Model, "Fast-weights learning rate η", Scope = "Recurrent models")]
    public float Eta { get; init; } = FastWeightDefaults.Eta;

    /// <summary>Inner steps S.</summary>
    [Setting("--inner-steps", SettingPart.Model, "Inner-loop steps S", Alias = "-S", Scope = "Recurrent models")]
    public int InnerSteps { get; init; } = FastWeightDefaults.InnerSteps;

    /// <summary>Which form computes the fast weights.</summary>
    [Setting("--form", SettingPart.Model, "Fast-weights computation: Auto (efficient when T < R), Explicit, Efficient", Scope = "Recurrent models")]
    public FastWeightsForm Form { get; init; } = FastWeightDefaults.Form;

    /// <summary>The fast-weights options these settings imply.</summary>
    public FastWeightRnnOptions FastWeightOptions() => new() { Lambda = Lambda, Eta = Eta, InnerSteps = InnerSteps, Form = Form };

    private void ValidateRecurrentModel()
    {
        Require(Hidden >= 1, "--hidden must be at least 1");
        Require(EmbeddingSize >= 1, "--embedding must be at least 1");
        Require(Lambda is >= 0f and <= 1f, "--lambda must be in [0, 1]");
        Require(Eta >= 0f && float.IsFinite(Eta), "--eta must be 0 or more");
        Require(InnerSteps >= 1, "--inner-steps must be at least 1");
    }
}
