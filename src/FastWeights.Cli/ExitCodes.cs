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

    /// <summary>
    /// The process ran out of memory anyway (a run estimated to need more than the machine has is refused with
    /// <see cref="BadInput"/> before it starts; this is what the estimate missed or <c>--max-memory-gb</c> overrode).
    /// </summary>
    public const int OutOfMemory = 3;

    /// <summary>Interrupted by Ctrl-C after saving (SIGTERM gives 143 and SIGHUP 129: see <see cref="StopSignals"/>).</summary>
    public const int Interrupted = 130;
}
