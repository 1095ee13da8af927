namespace FastWeights.Cli;

/// <summary>Bad input from the user: printed as one line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);
