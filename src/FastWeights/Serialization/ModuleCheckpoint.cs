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
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata = null, Optimizer? optimizer = null)
    {
        SafeTensorsFile.Save(path, Entries(module, optimizer), metadata);
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
    /// <exception cref="CheckpointFormatException">The file is truncated, corrupt or unsupported.</exception>
    /// <exception cref="CheckpointMismatchException">The file does not fit the model or optimizer; the message names each mismatching tensor.</exception>
    public static IReadOnlyDictionary<string, string> Load(Module module, string path, Optimizer? optimizer = null, bool strict = true)
    {
        var targets = Entries(module, optimizer);
        var metadata = SafeTensorsFile.LoadInto(path, targets, strict);
        if (optimizer is not null)
        {
            // The optimizer's own buffers were filled in place; this restores the step count.
            optimizer.LoadState(targets.Skip(module.NamedParameters().Count));
        }
        return metadata;
    }

    private static List<KeyValuePair<string, Tensor>> Entries(Module module, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(module);
        var entries = module.NamedParameters().ToList();
        if (optimizer is not null)
        {
            var names = entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var state in optimizer.StateTensors())
            {
                if (names.Contains(state.Key))
                {
                    throw new ArgumentException($"Optimizer state '{state.Key}' has the same name as a model parameter.", nameof(optimizer));
                }
                entries.Add(state);
            }
        }
        return entries;
    }
}
