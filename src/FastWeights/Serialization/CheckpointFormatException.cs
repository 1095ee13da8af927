namespace FastWeights.Serialization;

/// <summary>
/// A checkpoint file is truncated, corrupt, or uses a feature this reader does not support. The message is
/// one line and names the file.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> with a one-line description of the problem.</summary>
    /// <param name="path">The file that could not be read.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public CheckpointFormatException(string path, string problem, Exception? innerException = null)
        : base($"Invalid safetensors file '{path}': {OneLine(problem)}", innerException)
    {
        FilePath = path;
    }

    /// <summary>The file that could not be read.</summary>
    public string FilePath { get; }

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
