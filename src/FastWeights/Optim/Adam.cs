using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastWeights.Tensors;

namespace FastWeights.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba 2015, Algorithm 1) with bias correction, in the form used by PyTorch:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε).
/// Weight decay is either an L2 term added to the gradient (g ← g + λθ) or, with
/// <c>decoupledWeightDecay</c> (AdamW, Loshchilov &amp; Hutter 2019), a shrink θ ← θ(1 − lr·λ) before the update.
/// The step count t is global (one per <see cref="Optimizer.Step"/>), also for parameters that had no gradient
/// in some steps. State tensors: <c>adam.step</c>, <c>adam.m.&lt;name&gt;</c>, <c>adam.v.&lt;name&gt;</c>.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;

    /// <summary>Creates Adam over <paramref name="parameters"/> with zeroed moments.</summary>
    /// <param name="parameters">Named parameters, for example from <see cref="Nn.Module.NamedParameters"/>.</param>
    /// <param name="learningRate">Step size lr.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator, positive.</param>
    /// <param name="weightDecay">Weight decay λ, non-negative.</param>
    /// <param name="decoupledWeightDecay">True for AdamW's decoupled decay, false for an L2 term in the gradient.</param>
    public Adam(
        IReadOnlyList<KeyValuePair<string, Tensor>> parameters,
        float learningRate = 1e-3f,
        float beta1 = 0.9f,
        float beta2 = 0.999f,
        float epsilon = 1e-8f,
        float weightDecay = 0f,
        bool decoupledWeightDecay = false)
        : base(parameters, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must lie in [0, 1).");
        }
        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must lie in [0, 1).");
        }
        if (!(epsilon > 0) || !float.IsFinite(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive and finite.");
        }
        if (!(weightDecay >= 0) || !float.IsFinite(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weightDecay must be non-negative and finite.");
        }
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;
        firstMoments = Parameters.Select(p => Tensor.ZerosLike(p.Value)).ToArray();
        secondMoments = Parameters.Select(p => Tensor.ZerosLike(p.Value)).ToArray();
    }

    /// <summary>Decay of the first moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment estimate.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator for numerical stability.</summary>
    public float Epsilon { get; }

    /// <summary>Weight decay λ.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether weight decay is decoupled (AdamW) rather than an L2 term in the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc />
    public override string StatePrefix => "adam";

    /// <inheritdoc />
    protected override IEnumerable<(string Kind, IReadOnlyList<Tensor> Buffers)> StateBuffers()
    {
        yield return ("m", firstMoments);
        yield return ("v", secondMoments);
    }

    /// <inheritdoc />
    protected override void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient)
    {
        // Scalars in double, rounded once: stepSize = lr/(1−β₁ᵗ), invSqrtBc2 = 1/√(1−β₂ᵗ).
        double t = StepCount;
        float stepSize = (float)(LearningRate / (1.0 - Math.Pow(Beta1, t)));
        float invSqrtBc2 = (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(Beta2, t)));
        float decay = DecoupledWeightDecay ? (float)(1.0 - ((double)LearningRate * WeightDecay)) : 1f;
        float l2 = DecoupledWeightDecay ? 0f : WeightDecay;
        Kernel(parameter, gradient, firstMoments[index].Span, secondMoments[index].Span, Beta1, Beta2, stepSize, invSqrtBc2, Epsilon, decay, l2);
    }

    /// <summary>The fused elementwise update; every element follows the same float operations whether in a vector or in the tail.</summary>
    internal static void Kernel(
        Span<float> p,
        ReadOnlySpan<float> g,
        Span<float> m,
        Span<float> v,
        float beta1,
        float beta2,
        float stepSize,
        float invSqrtBc2,
        float epsilon,
        float decay,
        float l2)
    {
        int n = p.Length;
        if (g.Length != n || m.Length != n || v.Length != n)
        {
            throw new ArgumentException("Adam kernel spans differ in length.");
        }
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        ref float pr = ref MemoryMarshal.GetReference(p);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float vr = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var b1 = new Vector<float>(beta1);
            var b2 = new Vector<float>(beta2);
            var c1 = new Vector<float>(oneMinusBeta1);
            var c2 = new Vector<float>(oneMinusBeta2);
            var ss = new Vector<float>(stepSize);
            var isb = new Vector<float>(invSqrtBc2);
            var eps = new Vector<float>(epsilon);
            var dec = new Vector<float>(decay);
            var wd = new Vector<float>(l2);
            bool coupled = l2 != 0f;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var pv = Vector.LoadUnsafe(ref pr, (nuint)i);
                var gv = Vector.LoadUnsafe(ref gr, (nuint)i);
                if (coupled)
                {
                    gv += wd * pv;
                }
                pv *= dec;
                var mv = (b1 * Vector.LoadUnsafe(ref mr, (nuint)i)) + (c1 * gv);
                var vv = (b2 * Vector.LoadUnsafe(ref vr, (nuint)i)) + (c2 * (gv * gv));
                pv -= ss * (mv / ((Vector.SquareRoot(vv) * isb) + eps));
                mv.StoreUnsafe(ref mr, (nuint)i);
                vv.StoreUnsafe(ref vr, (nuint)i);
                pv.StoreUnsafe(ref pr, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref pr, i);
            float gi = Unsafe.Add(ref gr, i);
            if (l2 != 0f)
            {
                gi += l2 * pi;
            }
            pi *= decay;
            float mi = (beta1 * Unsafe.Add(ref mr, i)) + (oneMinusBeta1 * gi);
            float vi = (beta2 * Unsafe.Add(ref vr, i)) + (oneMinusBeta2 * (gi * gi));
            pi -= stepSize * (mi / ((MathF.Sqrt(vi) * invSqrtBc2) + epsilon));
            Unsafe.Add(ref mr, i) = mi;
            Unsafe.Add(ref vr, i) = vi;
            Unsafe.Add(ref pr, i) = pi;
        }
    }
}
