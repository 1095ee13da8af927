namespace FastWeights.Tensors;

/// <summary>Helpers for shapes: products, formatting, broadcasting.</summary>
public static class ShapeUtil
{
    /// <summary>Product of the sizes (1 for rank 0). Throws on negative sizes or overflow.</summary>
    public static int Product(ReadOnlySpan<int> shape)
    {
        long p = 1;
        foreach (int s in shape)
        {
            if (s < 0)
            {
                throw new ArgumentException($"Negative size in shape {Format(shape)}.");
            }
            p *= s;
            if (p > int.MaxValue)
            {
                throw new ArgumentException($"Shape {Format(shape)} has more than {int.MaxValue} elements.");
            }
        }
        return (int)p;
    }

    /// <summary>Formats a shape as <c>[2, 3]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Whether two shapes are equal.</summary>
    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Resolves one -1 in <paramref name="shape"/> so the product is <paramref name="length"/>.</summary>
    public static int[] Resolve(int[] shape, int length)
    {
        var s = (int[])shape.Clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == -1)
            {
                if (unknown >= 0)
                {
                    throw new ArgumentException("Only one axis may be -1 in a reshape.");
                }
                unknown = i;
            }
            else
            {
                known *= s[i];
            }
        }
        if (unknown >= 0)
        {
            if (known == 0 || length % known != 0)
            {
                throw new ArgumentException($"Cannot reshape {length} elements to {Format(shape)}.");
            }
            s[unknown] = (int)(length / known);
        }
        if (Product(s) != length)
        {
            throw new ArgumentException($"Cannot reshape {length} elements to {Format(shape)}.");
        }
        return s;
    }

    /// <summary>The numpy-style broadcast of two shapes; throws when they are incompatible.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"Shapes {Format(a)} and {Format(b)} do not broadcast.");
            }
            r[i] = da == 1 ? db : da;
        }
        return r;
    }
}
