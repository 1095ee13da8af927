using FastWeights.Autodiff;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Programmers.Layers;

/// <summary>Feature maps and normalisations of the last axis, composed from differentiable primitive ops.</summary>
public static class FeatureMaps
{
    private const float NormEps = 1e-6f;

    /// <summary>Applies φ elementwise.</summary>
    public static Tensor Apply(Tensor x, FeatureMap map) => map switch
    {
        FeatureMap.Identity => x,
        FeatureMap.Relu => TapeOps.Relu(x),
        // elu(x) + 1 = x + 1 for x > 0, eˣ otherwise = relu(x) + exp(−relu(−x)).
        FeatureMap.EluPlusOne => TapeOps.Add(TapeOps.Relu(x), TapeOps.Exp(TapeOps.Scale(TapeOps.Relu(TapeOps.Scale(x, -1f)), -1f))),
        FeatureMap.Silu => Silu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(map)),
    };

    /// <summary>x·σ(x).</summary>
    public static Tensor Silu(Tensor x) => TapeOps.Mul(x, TapeOps.Sigmoid(x));

    /// <summary>Normalises each vector of the last axis: x / (Σx + ε) or x / √(Σx² + ε).</summary>
    public static Tensor Normalize(Tensor x, KeyNormalization normalization)
    {
        int axis = x.Rank - 1;
        return normalization switch
        {
            KeyNormalization.None => x,
            KeyNormalization.Sum => TapeOps.Div(x, TapeOps.AddScalar(TapeOps.Sum(x, axis, keepDim: true), NormEps)),
            // 1/√s = exp(−½ log s).
            KeyNormalization.L2 => TapeOps.Mul(x, TapeOps.Exp(TapeOps.Scale(TapeOps.Log(TapeOps.AddScalar(TapeOps.Sum(TapeOps.Mul(x, x), axis, keepDim: true), NormEps)), -0.5f))),
            _ => throw new ArgumentOutOfRangeException(nameof(normalization)),
        };
    }
}
