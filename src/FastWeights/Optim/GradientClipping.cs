using FastWeights.Tensors;

namespace FastWeights.Optim;

/// <summary>Gradient clipping by global norm (Pascanu et al. 2013).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Computes the global L2 norm ‖g‖ = √(Σ g²) over the gradients of <paramref name="parameters"/> (null
    /// gradients skipped) in double precision, in a fixed order; when ‖g‖ &gt; <paramref name="maxNorm"/>, scales
    /// every gradient in place by maxNorm/‖g‖. A non-finite norm (NaN or ∞ in a gradient) is returned without
    /// touching the gradients, so the caller can skip the step.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped together.</param>
    /// <param name="maxNorm">The largest allowed global norm, positive.</param>
    /// <returns>The global norm before clipping.</returns>
    public static float ClipGlobalNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0) || !float.IsFinite(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be positive and finite.");
        }
        // A list is walked twice in place (no allocation in the training loop); other sequences are materialised once.
        var list = parameters as IReadOnlyList<Tensor> ?? parameters.ToList();
        double sumOfSquares = 0;
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Grad is { } g)
            {
                sumOfSquares += SumOfSquares(g.Span);
            }
        }
        double norm = Math.Sqrt(sumOfSquares);
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            float scale = (float)(maxNorm / norm);
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i].Grad is { } g)
                {
                    TensorPrimitives.Multiply(g.Span, scale, g.Span);
                }
            }
        }
        return (float)norm;
    }

    /// <summary>Σ x² in double with four interleaved accumulators (fixed order, so deterministic on every machine).</summary>
    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i <= x.Length - 4; i += 4)
        {
            double a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }
        for (; i < x.Length; i++)
        {
            double a = x[i];
            s0 += a * a;
        }
        return (s0 + s1) + (s2 + s3);
    }
}
