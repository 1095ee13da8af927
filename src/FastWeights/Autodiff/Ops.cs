using FastWeights.Tensors;

namespace FastWeights.Autodiff;

/// <summary>Differentiable primitive ops (being written).</summary>
public static partial class Ops
{
    /// <summary>a + b with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>a − b with broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>a ⊙ b with broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>a / b with broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>s · a.</summary>
    public static Tensor Scale(Tensor a, float s) => throw new NotImplementedException();

    /// <summary>Reshape.</summary>
    public static Tensor Reshape(Tensor a, params int[] shape) => throw new NotImplementedException();
}
