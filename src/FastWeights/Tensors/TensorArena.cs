namespace FastWeights.Tensors;

/// <summary>
/// A pool of tensor storage for repeated computations of the same shapes (a training step): while an arena is
/// active on a thread (<see cref="Activate"/>), every tensor that <see cref="Tensor.Zeros(int[])"/>,
/// <see cref="Tensor.ZerosLike"/>, <see cref="Tensor.EnsureGrad"/> and the ops create on that thread takes its
/// (zeroed) storage from the arena; <see cref="Reset"/> gives all of it back for the next round. After the first
/// round, the same sequence of shapes allocates no new arrays.
/// <para>
/// Tensors created while the arena is active must not be used after <see cref="Reset"/>: their storage is
/// handed out again. Create parameters and other long-lived tensors outside the active scope.
/// </para>
/// </summary>
public sealed class TensorArena
{
    [ThreadStatic]
    private static TensorArena? current;

    // Free arrays by exact length, and the arrays handed out since the last reset.
    private readonly Dictionary<int, Stack<float[]>> free = [];
    private readonly List<float[]> rented = [];
    private readonly Dictionary<int, Stack<int[]>> freeInts = [];
    private readonly List<int[]> rentedInts = [];

    /// <summary>The arena active on this thread, or null.</summary>
    public static TensorArena? Current => current;

    /// <summary>Number of arrays handed out since the last <see cref="Reset"/>.</summary>
    public int RentedCount => rented.Count;

    /// <summary>Total floats in arrays owned by the arena (handed out or free).</summary>
    public long PooledFloats { get; private set; }

    /// <summary>Makes this arena the active one on the current thread until the scope is disposed.</summary>
    public Scope Activate()
    {
        var previous = current;
        current = this;
        return new Scope(previous);
    }

    /// <summary>
    /// A zeroed array of <paramref name="length"/> floats: from the active arena when there is one on this thread,
    /// otherwise newly allocated.
    /// </summary>
    public static float[] Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return current is { } arena && length > 0 ? arena.Rent(length) : new float[length];
    }

    /// <summary>
    /// A copy of <paramref name="values"/> (for example the token ids an op keeps for its backward pass): in the
    /// active arena's storage when there is one on this thread, otherwise a new array.
    /// </summary>
    public static int[] Copy(ReadOnlySpan<int> values)
    {
        if (current is not { } arena || values.IsEmpty)
        {
            return values.ToArray();
        }
        int[] array;
        if (arena.freeInts.TryGetValue(values.Length, out var stack) && stack.Count > 0)
        {
            array = stack.Pop();
        }
        else
        {
            array = new int[values.Length];
        }
        values.CopyTo(array);
        arena.rentedInts.Add(array);
        return array;
    }

    /// <summary>A zeroed array of exactly <paramref name="length"/> floats from this arena.</summary>
    public float[] Rent(int length)
    {
        float[] array;
        if (free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            array = stack.Pop();
            Array.Clear(array);
        }
        else
        {
            array = new float[length];
            PooledFloats += length;
        }
        rented.Add(array);
        return array;
    }

    /// <summary>Takes back every array handed out since the last reset; the tensors over them must no longer be used.</summary>
    public void Reset()
    {
        foreach (var array in rented)
        {
            if (!free.TryGetValue(array.Length, out var stack))
            {
                stack = new Stack<float[]>();
                free[array.Length] = stack;
            }
            stack.Push(array);
        }
        rented.Clear();
        foreach (var array in rentedInts)
        {
            if (!freeInts.TryGetValue(array.Length, out var stack))
            {
                stack = new Stack<int[]>();
                freeInts[array.Length] = stack;
            }
            stack.Push(array);
        }
        rentedInts.Clear();
    }

    /// <summary>Scope returned by <see cref="Activate"/>; disposing it restores the previously active arena.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly TensorArena? previous;

        internal Scope(TensorArena? previous) => this.previous = previous;

        /// <summary>Restores the arena that was active before.</summary>
        public void Dispose() => current = previous;
    }
}
