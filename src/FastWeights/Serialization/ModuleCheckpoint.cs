using System.Text.RegularExpressions;
using FastWeights.Nn;
using FastWeights.Optim;
using FastWeights.Tensors;

namespace FastWeights.Serialization;

/// <summary>
/// Saves and loads a <see cref="Module"/>'s parameters (under their dotted names from
/// <see cref="Module.NamedParameters"/>) as a safetensors file, optionally together with an
/// <see cref="Optimizer"/>'s state (<see cref="Optimizer.StateTensors"/>) for resumable training.
/// </summary>
public static class ModuleCheckpoint
{
    /// <summary>Writes the parameters of <paramref name="module"/> (and the state of <paramref name="optimizer"/>, if given) atomically to <paramref name="path"/>.</summary>
    /// <param name="module">The model.</param>
    /// <param name="path">Destination file.</param>
    /// <param name="metadata">Optional string metadata (configuration, step, RNG state, ...).</param>
    /// <param name="optimizer">Optional optimizer whose state is stored next to the parameters.</param>
    /// <param name="extra">Other named tensors stored after them (a carried sequence state), or null.</param>
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata = null, Optimizer? optimizer = null,
        IReadOnlyList<KeyValuePair<string, Tensor>>? extra = null)
    {
        SafeTensorsFile.Save(path, Entries(module, optimizer, extra), metadata);
    }

    /// <summary>
    /// Loads the parameters of <paramref name="module"/> (and the state of <paramref name="optimizer"/>, if given)
    /// from <paramref name="path"/>, checking names and shapes first; nothing is modified when a check fails.
    /// </summary>
    /// <param name="module">The model, built with the same configuration as the saved one.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="optimizer">Optional optimizer whose state is restored (the file must then hold it).</param>
    /// <param name="strict">Whether the file must hold exactly the expected tensors (see <see cref="SafeTensorsFile.LoadInto"/>).</param>
    /// <returns>The file's metadata.</returns>
    /// <exception cref="CheckpointFormatException">The file is truncated, corrupt or unsupported, a weight is NaN or infinite, or the optimizer refuses its state (a step count that is not a whole number in range).</exception>
    /// <exception cref="CheckpointMismatchException">The file does not fit the model or optimizer; the message names each mismatching tensor.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (for example <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or the optimizer's state names clash with the module's parameters.</exception>
    /// <param name="extra">Other named tensors the file holds after them (as <see cref="Save"/> wrote them), read into these tensors; or null.</param>
    public static IReadOnlyDictionary<string, string> Load(Module module, string path, Optimizer? optimizer = null, bool strict = true,
        IReadOnlyList<KeyValuePair<string, Tensor>>? extra = null)
    {
        var targets = Entries(module, optimizer, extra);

        // Everything is read into copies first, so that weights that are not finite, or a state the optimizer refuses
        // (it checks its values, the step count, only once they are read), leave the module and the optimizer as they were.
        var staged = targets.Select(t => new KeyValuePair<string, Tensor>(t.Key, t.Value.Clone())).ToList();
        var metadata = SafeTensorsFile.LoadInto(path, UsesLegacyBlockNames(path) ? [.. staged.Select(t => KeyValuePair.Create(LegacyName(t.Key), t.Value))] : staged, strict);
        int parameters = module.NamedParameters().Count;
        // Training never saves a non-finite weight (a step whose loss or gradient is not finite updates nothing), so one
        // is damage or a diverged run's remains: a model with it answers NaN. The optimizer state is not checked.
        for (int i = 0; i < parameters; i++)
        {
            var values = staged[i].Value.Span;
            for (int j = 0; j < values.Length; j++)
            {
                if (!float.IsFinite(values[j]))
                {
                    throw new CheckpointFormatException(path, $"tensor '{staged[i].Key}' holds {values[j].ToString(System.Globalization.CultureInfo.InvariantCulture)} at element {j} of {values.Length}: weights must be finite numbers");
                }
            }
        }
        if (optimizer is not null)
        {
            try
            {
                optimizer.LoadState(staged.Skip(parameters).Take(staged.Count - parameters - (extra?.Count ?? 0)));
            }
            catch (ArgumentException e)
            {
                throw new CheckpointFormatException(path, $"its optimizer state does not load: {e.Message}", e);
            }
        }
        for (int i = 0; i < parameters; i++)
        {
            staged[i].Value.Span.CopyTo(targets[i].Value.Span);
        }
        for (int i = staged.Count - (extra?.Count ?? 0); i < staged.Count; i++)
        {
            staged[i].Value.Span.CopyTo(targets[i].Value.Span);
        }
        return metadata;
    }

    // Files written before 2026-12-05 name item i of a list of modules without a dot before the index: a sequence
    // model's block 'blocks{i}.' and an MLP's layer 'layers{i}.', in the weights, the optimizer state ('adam.m.blocks0.…')
    // and the carried state ('carried_state.blocks0.…'). They load into today's 'blocks.{i}.' and 'layers.{i}.'
    // (docs/checkpoints.md).
    private static readonly Regex LegacyBlock = new(@"(^|\.)(blocks|layers)([0-9]+)\.", RegexOptions.CultureInvariant);
    private static readonly Regex CurrentBlock = new(@"(^|\.)(blocks|layers)\.([0-9]+)\.", RegexOptions.CultureInvariant);

    /// <summary>The name a tensor had in files written before lists of modules took a dot before the index: <c>blocks.0.mlp.layers.1.x</c> → <c>blocks0.mlp.layers1.x</c>.</summary>
    internal static string LegacyName(string name) => CurrentBlock.Replace(name, "$1$2$3.");

    private static bool UsesLegacyBlockNames(string path) => SafeTensorsFile.ReadHeader(path).Tensors.Any(t => LegacyBlock.IsMatch(t.Name));

    private static List<KeyValuePair<string, Tensor>> Entries(Module module, Optimizer? optimizer, IReadOnlyList<KeyValuePair<string, Tensor>>? extra)
    {
        ArgumentNullException.ThrowIfNull(module);
        var entries = module.NamedParameters().ToList();
        var names = entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var state in optimizer?.StateTensors() ?? [])
        {
            if (!names.Add(state.Key))
            {
                throw new ArgumentException($"Optimizer state '{state.Key}' has the same name as a model parameter.", nameof(optimizer));
            }
            entries.Add(state);
        }
        foreach (var tensor in extra ?? [])
        {
            if (!names.Add(tensor.Key))
            {
                throw new ArgumentException($"'{tensor.Key}' has the same name as a model parameter or optimizer state.", nameof(extra));
            }
            entries.Add(tensor);
        }
        return entries;
    }
}
