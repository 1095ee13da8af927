namespace FastWeights.Training;

/// <summary>
/// Declares a <see cref="TrainingConfig"/> property as a setting users give on the command line: its flag, a short
/// alias, the part of the run that owns it, and its help text. The default is the property's initial value. The
/// command line is made from these declarations (as nanoGPT's configurator makes flags from its settings), so a
/// setting is declared once.
/// </summary>
/// <param name="flag">The long flag, for example <c>--hidden</c>.</param>
/// <param name="part">The part that reads it, shown in help text: the training loop, the optimizer, a task or a model family.</param>
/// <param name="description">One line of help text.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SettingAttribute(string flag, SettingPart part, string description) : Attribute
{
    /// <summary>The long flag.</summary>
    public string Flag { get; } = flag;

    /// <summary>The part that reads the setting.</summary>
    public SettingPart Part { get; } = part;

    /// <summary>One line of help text.</summary>
    public string Description { get; } = description;

    /// <summary>An optional short alias, for example <c>-R</c>.</summary>
    public string? Alias { get; init; }

    /// <summary>Which task or model family reads it (for example <c>mqar</c>, <c>Recurrent models</c>), shown before the help text.</summary>
    public string? Scope { get; init; }

    /// <summary>
    /// The <c>config.json</c> format (see <see cref="TrainingConfig.ConfigFormat"/>) from which on this setting's key is
    /// required: a file of an older format may lack it, and then the setting takes its default, which is what runs did
    /// before the setting existed. A new setting gets the next format number, and <see cref="TrainingConfig.ConfigFormat"/> is raised to it.
    /// </summary>
    public int Since { get; init; } = 1;

    /// <summary>
    /// The value a file of a format older than <see cref="Since"/> takes when it lacks the key, where that differs from
    /// the default of new runs (the setting then chose what the older runs did); null: the default.
    /// </summary>
    public string? Before { get; init; }

    /// <summary>Whether only supervised runs read it (a setting of the training step that actor-critic training does not use).</summary>
    public bool SupervisedOnly { get; init; }
}
