using FastWeights.Tensors;

namespace FastWeights.Autodiff;

public static partial class Ops
{
    /// <summary>The default target value that <see cref="CrossEntropy"/> skips.</summary>
    public const int DefaultIgnoreIndex = -100;

    /// <summary>
    /// Softmax cross-entropy, averaged over the rows whose target is not <paramref name="ignoreIndex"/>:
    /// L = −(1/N) Σ log softmax(logits)[target]. <paramref name="logits"/> is [..., C]; one target per row.
    /// Returns 0 (with zero gradient) when every row is ignored.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> targets, int ignoreIndex = DefaultIgnoreIndex)
    {
        int c = logits.Dim(-1);
        int rows = c == 0 ? 0 : logits.Length / c;
        if (targets.Length != rows)
        {
            throw new ArgumentException($"CrossEntropy has {rows} rows of logits but {targets.Length} targets.");
        }
        var tgt = TensorArena.Copy(targets);
        var logp = TensorArena.Allocate(logits.Length);
        var xs = logits.Span;
        double total = 0;
        int counted = 0;
        for (int r = 0; r < rows; r++)
        {
            int t = tgt[r];
            if (t == ignoreIndex)
            {
                continue;
            }
            if ((uint)t >= (uint)c)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"Target {t} is outside the {c} classes.");
            }
            var lp = logp.AsSpan(r * c, c);
            LogSoftmaxRow(xs.Slice(r * c, c), lp);
            total -= lp[t];
            counted++;
        }
        var loss = Tensor.Scalar(counted == 0 ? 0f : (float)(total / counted));
        if (Tape.ShouldRecord(logits))
        {
            Tape.Record(loss, () =>
            {
                if (loss.Grad is not { } g || counted == 0)
                {
                    return;
                }
                // dlogits = (softmax − onehot(target)) / N
                float scale = g.Span[0] / counted;
                var gl = logits.EnsureGrad().Span;
                for (int r = 0; r < rows; r++)
                {
                    int t = tgt[r];
                    if (t == ignoreIndex)
                    {
                        continue;
                    }
                    for (int j = 0; j < c; j++)
                    {
                        float p = MathF.Exp(logp[(r * c) + j]);
                        gl[(r * c) + j] += scale * (p - (j == t ? 1f : 0f));
                    }
                }
            });
        }
        return loss;
    }
}
