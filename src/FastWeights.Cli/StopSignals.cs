using System.Runtime.InteropServices;

namespace FastWeights.Cli;

/// <summary>
/// Ctrl-C (SIGINT), SIGTERM and SIGHUP ask long work to stop: the running step finishes, a checkpoint is saved, and the
/// process exits with 128 + the signal's number (130, 143, 129), instead of dying without saving.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource cts = new();
    private readonly List<PosixSignalRegistration> registrations = [];
    private int signal;

    public StopSignals()
    {
        foreach (var (posix, number) in new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1) })
        {
            registrations.Add(PosixSignalRegistration.Create(posix, context =>
            {
                context.Cancel = true; // not the default termination: finish the step, save, then exit
                Interlocked.CompareExchange(ref signal, number, 0);
                cts.Cancel();
            }));
        }
    }

    /// <summary>Cancelled when a stop signal arrives.</summary>
    public CancellationToken Token => cts.Token;

    /// <summary>The exit code of work stopped by a signal: 128 + its number (130 for Ctrl-C, also when none was seen).</summary>
    public int InterruptedExitCode => signal == 0 ? ExitCodes.Interrupted : 128 + signal;

    public void Dispose()
    {
        foreach (var r in registrations)
        {
            r.Dispose();
        }
        cts.Dispose();
    }
}
