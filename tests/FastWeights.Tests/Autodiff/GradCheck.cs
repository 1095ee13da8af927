using FastWeights.Autodiff;
using FastWeights.Tensors;

namespace FastWeights.Tests.Autodiff;

/// <summary>
/// Compares the tape's gradients with central finite differences. The checked scalar is
/// L = Σ f(inputs) ⊙ P for a fixed random projection P, so every output element matters;
/// finite differences are accumulated in double.
/// </summary>
internal static class GradCheck
{
    public static void Check(Func<Tensor> f, Tensor[] inputs, float eps = 1e-2f, double atol = 5e-3, double rtol = 2e-2, ulong seed = 7)
    {
        foreach (var t in inputs)
        {
            t.RequiresGrad = true;
            t.Grad = null;
        }
        Tape.Reset();
        var output = f();
        var projection = Tensor.RandomNormal(new Rng(seed), 1f, output.ShapeArray());
        var loss = Ops.Sum(Ops.Mul(output, projection));
        Tape.Backward(loss);

        double Evaluate()
        {
            using var _ = Tape.NoGrad();
            var o = f();
            double s = 0;
            var os = o.Span;
            var ps = projection.Span;
            for (int i = 0; i < os.Length; i++)
            {
                s += (double)os[i] * ps[i];
            }
            return s;
        }

        double maxSeen = 0;
        for (int which = 0; which < inputs.Length; which++)
        {
            var x = inputs[which];
            var analytic = x.Grad?.ToArray() ?? new float[x.Length];
            var xs = x.Storage;
            for (int i = 0; i < x.Length; i++)
            {
                int idx = x.Offset + i;
                float orig = xs[idx];
                xs[idx] = orig + eps;
                double plus = Evaluate();
                xs[idx] = orig - eps;
                double minus = Evaluate();
                xs[idx] = orig;
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic[i];
                maxSeen = Math.Max(maxSeen, Math.Abs(numeric));
                double err = Math.Abs(a - numeric);
                Assert.True(
                    err <= atol + (rtol * Math.Max(Math.Abs(a), Math.Abs(numeric))),
                    $"input {which} element {i}: analytic {a:G6}, numeric {numeric:G6}");
            }
        }
        Assert.True(maxSeen > 1e-3, "the checked function has (almost) zero gradient: the check would prove nothing");
    }

    /// <summary>A tensor of the given shape with values uniform in [low, high).</summary>
    public static Tensor Random(Rng rng, float low, float high, params int[] shape) => Tensor.RandomUniform(rng, low, high, shape);

    /// <summary>Values uniform in ±[0.2, 1.2) (kept away from 0, where ReLU has a kink).</summary>
    public static Tensor AwayFromZero(Rng rng, params int[] shape)
    {
        var t = Tensor.RandomUniform(rng, 0.2f, 1.2f, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            if (rng.NextInt(2) == 0)
            {
                s[i] = -s[i];
            }
        }
        return t;
    }
}
