using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Layers.Recurrent;

/// <summary>Shape checks and tape plumbing shared by the fused recurrent ops.</summary>
internal static class RecurrentShapes
{
    /// <summary>
    /// When <paramref name="record"/>, records <paramref name="backward"/> for <paramref name="output"/>, run with the
    /// output's gradient when one flows; it throws if <paramref name="workspace"/> ran again (its generation moved)
    /// before the backward pass. A workspace rented from <paramref name="pool"/> (null: the caller's own) goes back
    /// to it after the backward action, gradient or not, or at once when nothing is recorded.
    /// </summary>
    public static void RecordOrRelease<TWorkspace>(bool record, Tensor output, TWorkspace workspace, WorkspacePool<TWorkspace>? pool, Action<Tensor> backward)
        where TWorkspace : RecurrentWorkspace
    {
        if (!record)
        {
            pool?.Return(workspace);
            return;
        }
        long recorded = workspace.Generation;
        Tape.Record(output, () =>
        {
            if (output.Grad is { } g)
            {
                if (workspace.Generation != recorded)
                {
                    throw new InvalidOperationException("The workspace was reused (resized or run forward again) before this op's backward pass ran.");
                }
                backward(g);
            }
            pool?.Return(workspace);
        });
    }

    /// <summary>The span to accumulate <paramref name="t"/>'s gradient into, or empty when it needs none.</summary>
    public static Span<float> GradOrEmpty(Tensor t) => t.RequiresGrad ? t.EnsureGrad().Span : default;

    /// <summary>
    /// Checks U [B, T, W] and Wh [W, R] with W = <paramref name="widthOf"/>(R); returns (B, T, R).
    /// </summary>
    public static (int Batch, int Steps, int Hidden) Check(Tensor u, Tensor wh, Func<int, int> widthOf, string model)
    {
        if (wh.Rank != 2)
        {
            throw new ArgumentException($"{model}: Wh must be [G·R, R], got {ShapeUtil.Format(wh.Shape)}.", nameof(wh));
        }
        int hidden = wh.Dim(1);
        int width = widthOf(hidden);
        if (wh.Dim(0) != width)
        {
            throw new ArgumentException($"{model}: Wh must be [{width}, {hidden}], got {ShapeUtil.Format(wh.Shape)}.", nameof(wh));
        }
        if (u.Rank != 3 || u.Dim(2) != width || u.Dim(0) == 0 || u.Dim(1) == 0)
        {
            throw new ArgumentException($"{model}: U must be [B, T, {width}], got {ShapeUtil.Format(u.Shape)}.", nameof(u));
        }
        return (u.Dim(0), u.Dim(1), hidden);
    }

    /// <summary>Throws unless <paramref name="span"/> holds at least <paramref name="needed"/> floats.</summary>
    public static void CheckLength(ReadOnlySpan<float> span, int needed, string name)
    {
        if (span.Length < needed)
        {
            throw new ArgumentException($"{name} has {span.Length} elements, {needed} are needed.", name);
        }
    }

    /// <summary>As <see cref="CheckLength"/> for an optional gradient buffer: an empty span passes.</summary>
    public static void CheckOptional(ReadOnlySpan<float> span, int needed, string name)
    {
        if (!span.IsEmpty)
        {
            CheckLength(span, needed, name);
        }
    }
}
