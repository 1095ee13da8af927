using FastWeights.Tensors;

namespace FastWeights.Autodiff;

/// <summary>Shape checks shared by the fused recurrent ops.</summary>
internal static class RecurrentShapes
{
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
}
