namespace FastWeights.Serialization;

/// <summary>
/// A well-formed checkpoint does not fit the tensors it is loaded into: a tensor is missing or unexpected,
/// or its shape or dtype differs. The message names every mismatching tensor (up to a limit) on one line.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> listing <paramref name="problems"/>.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="problems">One entry per mismatching tensor, for example "missing tensor 'encoder.w'".</param>
    public CheckpointMismatchException(string path, IReadOnlyList<string> problems)
        : base(Describe(path, problems))
    {
        FilePath = path;
        Problems = problems;
    }

    /// <summary>The checkpoint file.</summary>
    public string FilePath { get; }

    /// <summary>One description per mismatching tensor.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(string path, IReadOnlyList<string> problems)
    {
        const int shown = 8;
        string list = string.Join("; ", problems.Take(shown));
        if (problems.Count > shown)
        {
            list += $"; and {problems.Count - shown} more";
        }
        return CheckpointFormatException.OneLine($"Checkpoint '{path}' does not match: {list}.");
    }
}
