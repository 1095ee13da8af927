namespace FastWeights.Cli;

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    // errno values (Linux) of the failures that are the machine's, not the input's: EIO, ENOSPC, EROFS, EDQUOT.
    private static readonly int[] MachineErrnos = [5, 28, 30, 122];

    /// <summary>Whether <paramref name="e"/> is a failure of the machine's storage (<see cref="IoFailure"/>) rather than bad input.</summary>
    public static bool IsMachineIoFailure(Exception e) =>
        e is IOException io && io is not FileNotFoundException and not DirectoryNotFoundException && MachineErrnos.Contains(io.HResult & 0xFFFF);

    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The work failed (for example training diverged).</summary>
    public const int Failed = 1;

    /// <summary>Bad input: unknown name, out-of-range value, missing or corrupt file.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// The machine failed an input or output the command needed (the disk is full, a quota is exceeded, the file system
    /// is read-only or reports an I/O error): not the user's input; what was written before is kept (every file is
    /// written atomically). 74 is EX_IOERR of sysexits.h.
    /// </summary>
    public const int IoFailure = 74;

    /// <summary>
    /// The process ran out of memory anyway (a run estimated to need more than the machine has is refused with
    /// <see cref="BadInput"/> before it starts; this is what the estimate missed or <c>--max-memory-gb</c> overrode).
    /// </summary>
    public const int OutOfMemory = 3;

    /// <summary>Interrupted by Ctrl-C after saving (SIGTERM gives 143 and SIGHUP 129: see <see cref="StopSignals"/>).</summary>
    public const int Interrupted = 130;
}
