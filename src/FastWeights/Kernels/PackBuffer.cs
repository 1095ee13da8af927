using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastWeights.Kernels;

/// <summary>
/// A thread's reusable, pinned, 64-byte aligned scratch for packed GEMM panels (one for A blocks, one for B blocks).
/// Renting grows the buffer when needed and otherwise allocates nothing; a nested rent on the same thread
/// (the buffer already out) gets a private temporary buffer.
/// </summary>
internal unsafe ref struct PackBuffer
{
    [ThreadStatic]
    private static float[]? threadA, threadB;

    [ThreadStatic]
    private static bool busyA, busyB;

    private readonly bool forA;
    private readonly bool ownsThreadBuffer;

    // Holds the array (pinned, so it never moves) alive for as long as the pointer is in use.
    private readonly float[]? array;

    /// <summary>64-byte aligned start of at least the requested number of floats.</summary>
    public float* Pointer { get; }

    private PackBuffer(float[]? array, bool forA, bool ownsThreadBuffer)
    {
        this.array = array;
        this.forA = forA;
        this.ownsThreadBuffer = ownsThreadBuffer;
        if (array is null)
        {
            Pointer = null;
            return;
        }
        float* start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        Pointer = (float*)(((nint)start + 63) & ~(nint)63);
    }

    /// <summary>Rents this thread's A or B buffer with room for <paramref name="floats"/> floats.</summary>
    public static PackBuffer Rent(bool forA, long floats)
    {
        if (floats <= 0)
        {
            return new PackBuffer(null, forA, false);
        }
        int length = checked((int)(floats + 16));
        ref bool busy = ref forA ? ref busyA : ref busyB;
        if (busy)
        {
            return new PackBuffer(GC.AllocateUninitializedArray<float>(length, pinned: true), forA, false);
        }
        ref float[]? store = ref forA ? ref threadA : ref threadB;
        if (store is null || store.Length < length)
        {
            store = GC.AllocateUninitializedArray<float>(length, pinned: true);
        }
        busy = true;
        return new PackBuffer(store, forA, true);
    }

    /// <summary>Gives the thread's buffer back.</summary>
    public readonly void Dispose()
    {
        if (ownsThreadBuffer)
        {
            if (forA)
            {
                busyA = false;
            }
            else
            {
                busyB = false;
            }
        }
        GC.KeepAlive(array);
    }
}
