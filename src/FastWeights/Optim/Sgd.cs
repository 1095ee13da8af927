using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastWeights.Tensors;

namespace FastWeights.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, as in PyTorch
/// (no dampening): g ← g + λθ; b ← μb + g; d ← (Nesterov ? g + μb : b); θ ← θ − lr·d. The momentum buffer
/// starts at zero, so the first step gives b = g. State tensors: <c>sgd.step</c> and, with momentum,
/// <c>sgd.momentum.&lt;name&gt;</c>.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor[] momentumBuffers;

    /// <summary>Creates SGD over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">Named parameters, for example from <see cref="Nn.Module.NamedParameters"/>.</param>
    /// <param name="learningRate">Step size lr.</param>
    /// <param name="momentum">Momentum μ in [0, 1); 0 for plain SGD.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum (needs μ &gt; 0).</param>
    /// <param name="weightDecay">L2 weight decay λ, non-negative.</param>
    public Sgd(IReadOnlyList<KeyValuePair<string, Tensor>> parameters, float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
        : base(parameters, learningRate)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must lie in [0, 1).");
        }
        if (nesterov && momentum == 0)
        {
            throw new ArgumentException("Nesterov momentum needs momentum > 0.", nameof(nesterov));
        }
        if (!(weightDecay >= 0) || !float.IsFinite(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weightDecay must be non-negative and finite.");
        }
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        momentumBuffers = momentum > 0 ? Parameters.Select(p => Tensor.ZerosLike(p.Value)).ToArray() : [];
    }

    /// <summary>Momentum μ.</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>L2 weight decay λ.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    public override string StatePrefix => "sgd";

    /// <inheritdoc />
    protected override IEnumerable<(string Kind, IReadOnlyList<Tensor> Buffers)> StateBuffers()
    {
        if (Momentum > 0)
        {
            yield return ("momentum", momentumBuffers);
        }
    }

    /// <inheritdoc />
    protected override void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient)
    {
        var buffer = Momentum > 0 ? momentumBuffers[index].Span : default;
        Kernel(parameter, gradient, buffer, LearningRate, Momentum, Nesterov, WeightDecay);
    }

    private static void Kernel(Span<float> p, ReadOnlySpan<float> g, Span<float> b, float lr, float mu, bool nesterov, float wd)
    {
        int n = p.Length;
        bool hasMomentum = mu > 0;
        ref float pr = ref MemoryMarshal.GetReference(p);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float br = ref MemoryMarshal.GetReference(b);
        int i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var lrv = new Vector<float>(lr);
            var muv = new Vector<float>(mu);
            var wdv = new Vector<float>(wd);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var pv = Vector.LoadUnsafe(ref pr, (nuint)i);
                var gv = Vector.LoadUnsafe(ref gr, (nuint)i);
                if (wd != 0f)
                {
                    gv += wdv * pv;
                }
                var d = gv;
                if (hasMomentum)
                {
                    var bv = (muv * Vector.LoadUnsafe(ref br, (nuint)i)) + gv;
                    bv.StoreUnsafe(ref br, (nuint)i);
                    d = nesterov ? gv + (muv * bv) : bv;
                }
                pv -= lrv * d;
                pv.StoreUnsafe(ref pr, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref pr, i);
            float gi = Unsafe.Add(ref gr, i);
            if (wd != 0f)
            {
                gi += wd * pi;
            }
            float d = gi;
            if (hasMomentum)
            {
                float bi = (mu * Unsafe.Add(ref br, i)) + gi;
                Unsafe.Add(ref br, i) = bi;
                d = nesterov ? gi + (mu * bi) : bi;
            }
            Unsafe.Add(ref pr, i) = pi - (lr * d);
        }
    }
}
