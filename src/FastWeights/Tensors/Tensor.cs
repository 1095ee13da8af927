using System.Runtime.CompilerServices;
using FastWeights.Autodiff;

namespace FastWeights.Tensors;

/// <summary>
/// A dense float32 tensor: row-major, contiguous storage with a shape. A tensor may be a view
/// (a reshape or a leading-axis slice) that shares storage with another tensor.
/// Tensors that <see cref="RequiresGrad"/> take part in reverse-mode differentiation on the current
/// <see cref="Tape"/>; their gradient lands in <see cref="Grad"/>.
/// </summary>
public sealed class Tensor
{
    private readonly int[] shape;

    /// <summary>Creates a tensor over existing storage (no copy).</summary>
    /// <param name="storage">The backing array.</param>
    /// <param name="offset">Index of the first element in <paramref name="storage"/>.</param>
    /// <param name="shape">The shape; its product must fit in <paramref name="storage"/> after <paramref name="offset"/>.</param>
    public Tensor(float[] storage, int offset, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(shape);
        int length = ShapeUtil.Product(shape);
        if (offset < 0 || offset + length > storage.Length)
        {
            throw new ArgumentException($"Shape {ShapeUtil.Format(shape)} needs {length} elements from offset {offset}, storage has {storage.Length}.");
        }
        Storage = storage;
        Offset = offset;
        this.shape = (int[])shape.Clone();
        Length = length;
    }

    /// <summary>The backing array (shared by views).</summary>
    public float[] Storage { get; }

    /// <summary>Index of this tensor's first element in <see cref="Storage"/>.</summary>
    public int Offset { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>The shape. Do not modify the returned array.</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>Number of axes.</summary>
    public int Rank => shape.Length;

    /// <summary>The elements, in row-major order.</summary>
    public Span<float> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Storage, Offset, Length);
    }

    /// <summary>Whether gradients flow to this tensor when a loss is differentiated.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>
    /// The gradient of the last differentiated loss with respect to this tensor (accumulated over
    /// <see cref="Tape.Backward"/> calls for leaves until <see cref="ZeroGrad"/>); null until one flows here.
    /// </summary>
    public Tensor? Grad { get; set; }

    /// <summary>An optional name, used in error messages and checkpoints.</summary>
    public string? Name { get; set; }

    /// <summary>Size of axis <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => shape[axis < 0 ? axis + shape.Length : axis];

    /// <summary>The shape as a new array.</summary>
    public int[] ShapeArray() => (int[])shape.Clone();

    /// <summary>A new tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(TensorArena.Allocate(ShapeUtil.Product(shape)), 0, shape);

    /// <summary>A new tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        var t = Zeros(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A new tensor of zeros with the shape of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => new(TensorArena.Allocate(like.Length), 0, like.shape);

    /// <summary>A tensor over <paramref name="data"/> (no copy) with the given shape.</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => new(data, 0, shape);

    /// <summary>A scalar (rank-0) tensor.</summary>
    public static Tensor Scalar(float value) => new([value], 0, []);

    /// <summary>Values drawn from N(0, std²) with <paramref name="rng"/>.</summary>
    public static Tensor RandomNormal(Rng rng, float std, params int[] shape)
    {
        var t = Zeros(shape);
        rng.FillNormal(t.Span, 0f, std);
        return t;
    }

    /// <summary>Values drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>) with <paramref name="rng"/>.</summary>
    public static Tensor RandomUniform(Rng rng, float low, float high, params int[] shape)
    {
        var t = Zeros(shape);
        rng.FillUniform(t.Span, low, high);
        return t;
    }

    /// <summary>The single value of a tensor with one element.</summary>
    public float Item()
    {
        if (Length != 1)
        {
            throw new InvalidOperationException($"Item() needs a tensor of one element, this one has shape {ShapeUtil.Format(shape)}.");
        }
        return Storage[Offset];
    }

    /// <summary>Element at a multi-index.</summary>
    [IndexerName("At")]
    public float this[params int[] index]
    {
        get => Storage[Offset + FlatIndex(index)];
        set => Storage[Offset + FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != shape.Length)
        {
            throw new ArgumentException($"Index of rank {index.Length} for a tensor of rank {shape.Length}.");
        }
        int flat = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if ((uint)index[i] >= (uint)shape[i])
            {
                throw new IndexOutOfRangeException($"Index {index[i]} out of range for axis {i} of size {shape[i]}.");
            }
            flat = (flat * shape[i]) + index[i];
        }
        return flat;
    }

    /// <summary>
    /// A view with another shape over the same storage (no copy, no gradient tracking; use
    /// <see cref="Ops.Reshape"/> inside a differentiated computation). One axis may be -1.
    /// </summary>
    public Tensor View(params int[] newShape) => new(Storage, Offset, ShapeUtil.Resolve(newShape, Length));

    /// <summary>A view of rows [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) of the leading axis (no copy, no gradient tracking).</summary>
    public Tensor SliceRows(int start, int count)
    {
        if (Rank == 0 || start < 0 || count < 0 || start + count > shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start}, {start + count}) out of range for shape {ShapeUtil.Format(shape)}.");
        }
        int inner = shape[0] == 0 ? 0 : Length / shape[0];
        var s = (int[])shape.Clone();
        s[0] = count;
        return new Tensor(Storage, Offset + (start * inner), s);
    }

    /// <summary>A deep copy of the values (not of the gradient), detached from the tape.</summary>
    public Tensor Clone()
    {
        var t = Zeros(shape);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>Copies the values into a new array.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>Drops the gradient.</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>The gradient tensor, created as zeros if absent.</summary>
    public Tensor EnsureGrad() => Grad ??= ZerosLike(this);

    /// <inheritdoc />
    public override string ToString() => $"Tensor{ShapeUtil.Format(shape)}{(Name is null ? string.Empty : " " + Name)}";

    /// <summary>Elementwise sum with broadcasting (differentiable).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <summary>Elementwise difference with broadcasting (differentiable).</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);

    /// <summary>Elementwise product with broadcasting (differentiable).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);

    /// <summary>Elementwise quotient with broadcasting (differentiable).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);

    /// <summary>Multiplication by a constant (differentiable).</summary>
    public static Tensor operator *(Tensor a, float s) => Ops.Scale(a, s);

    /// <summary>Multiplication by a constant (differentiable).</summary>
    public static Tensor operator *(float s, Tensor a) => Ops.Scale(a, s);
}
