using System.Collections.Concurrent;

namespace FastWeights.Kernels;

/// <summary>
/// The one buffer policy of the kernels' workspaces: buffers grow to the largest size asked for and are never
/// shrunk or cleared, so steady-state training allocates nothing (kernels overwrite what they read back).
/// </summary>
internal static class WorkspaceBuffer
{
    /// <summary><paramref name="buffer"/> when it holds at least <paramref name="length"/> floats, else a new zeroed array of that length.</summary>
    public static float[] Grow(float[] buffer, long length)
    {
        if (length > Array.MaxLength)
        {
            throw new OutOfMemoryException($"A kernel workspace needs {length} floats in one buffer.");
        }
        return buffer.Length >= length ? buffer : new float[length];
    }
}

/// <summary>
/// Reusable workspaces (or per-worker scratch blocks) of one type: a call rents one, keeps it while its saved
/// activations are needed (until its backward pass has run) and returns it, so no two live calls share one.
/// Thread-safe.
/// </summary>
internal sealed class WorkspacePool<TWorkspace>
    where TWorkspace : class
{
    private readonly ConcurrentBag<TWorkspace> free = [];

    /// <summary>Takes a returned workspace, if any.</summary>
    public bool TryRent([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TWorkspace? workspace) => free.TryTake(out workspace);

    /// <summary>Gives a workspace back for later calls.</summary>
    public void Return(TWorkspace workspace) => free.Add(workspace);
}
