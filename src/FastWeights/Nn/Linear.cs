using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>
/// Affine layer y = x·Wᵀ + b with <c>weight</c> stored [out, in] and <c>bias</c> [out] (the PyTorch layout).
/// Initialised uniformly in ±1/√in (PyTorch's default), bias likewise.
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer with parameters drawn from <paramref name="rng"/>.</summary>
    public Linear(Rng rng, int inFeatures, int outFeatures, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        float bound = 1f / MathF.Sqrt(inFeatures);
        Weight = RegisterParameter("weight", Tensor.RandomUniform(rng, -bound, bound, outFeatures, inFeatures));
        Bias = bias ? RegisterParameter("bias", Tensor.RandomUniform(rng, -bound, bound, outFeatures)) : null;
    }

    /// <summary>The weight, [out, in].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Applies the layer to the last axis of <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}
