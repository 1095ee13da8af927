namespace FastWeights.Cli;

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The work failed (for example training diverged).</summary>
    public const int Failed = 1;

    /// <summary>Bad input: unknown name, out-of-range value, missing or corrupt file.</summary>
    public const int BadInput = 2;

    /// <summary>Interrupted by Ctrl-C after saving (SIGTERM gives 143 and SIGHUP 129: see <see cref="StopSignals"/>).</summary>
    public const int Interrupted = 130;
}
