using FastWeights.Tensors;

namespace FastWeights.Layers.Recurrent;

/// <summary>
/// Initial parameter values for the recurrent baselines (each family's own values are in its folder: <c>LstmInit</c>,
/// <c>GruLnInit</c>, <c>AssociativeLstmInit</c>, built on the helpers here). Every choice is deliberately plain:
/// <list type="bullet">
/// <item>Input weights Wx (G·R × input): N(0, 1/input) ("LeCun normal"), see <see cref="InputWeights"/>.</item>
/// <item>Recurrent weights Wh: stacked independent random orthogonal R×R blocks, one per gate block
/// (Saxe et al. 2014), see <see cref="OrthogonalRows"/>; the Associative LSTM's 4.5R rows take the first
/// 4.5R rows of five stacked blocks.</item>
/// <item>Biases: zero, except the LSTM and Associative LSTM forget-gate bias, which is 1
/// (Gers et al. 2000; Jozefowicz et al. 2015) so that memory is kept by default.</item>
/// <item>GRU-LN layer norm: gains γ = 1, biases β = 0 (Ba, Kiros &amp; Hinton 2016); the GRU's U bias is zero,
/// since β already plays its role.</item>
/// </list>
/// </summary>
public static class RecurrentInit
{
    /// <summary>Input weights Wx of shape [<paramref name="rows"/>, <paramref name="inputSize"/>] drawn from N(0, 1/inputSize).</summary>
    public static Tensor InputWeights(Rng rng, int rows, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        return Tensor.RandomNormal(rng, 1f / MathF.Sqrt(inputSize), rows, inputSize);
    }

    /// <summary>
    /// A [<paramref name="rows"/>, <paramref name="hidden"/>] matrix made of independent random orthogonal
    /// <paramref name="hidden"/>×<paramref name="hidden"/> blocks stacked on top of each other (the last one
    /// cut short when <paramref name="rows"/> is not a multiple of <paramref name="hidden"/>). Each block is
    /// the Q of a Gaussian matrix by Gram–Schmidt (Haar-distributed).
    /// </summary>
    public static Tensor OrthogonalRows(Rng rng, int rows, int hidden)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        var w = Tensor.Zeros(rows, hidden);
        var span = w.Span;
        var q = new double[hidden * hidden];
        for (int start = 0; start < rows; start += hidden)
        {
            RandomOrthogonal(rng, hidden, q);
            int count = Math.Min(hidden, rows - start);
            for (int i = 0; i < count * hidden; i++)
            {
                span[(start * hidden) + i] = (float)q[i];
            }
        }
        return w;
    }

    /// <summary>Fills <paramref name="q"/> (n×n, row-major) with a random orthogonal matrix: Gram–Schmidt on Gaussian rows.</summary>
    private static void RandomOrthogonal(Rng rng, int n, double[] q)
    {
        while (true)
        {
            for (int i = 0; i < q.Length; i++)
            {
                q[i] = rng.NextGaussian();
            }
            bool ok = true;
            for (int i = 0; i < n && ok; i++)
            {
                var row = q.AsSpan(i * n, n);
                // Modified Gram–Schmidt, twice for accuracy.
                for (int pass = 0; pass < 2; pass++)
                {
                    for (int p = 0; p < i; p++)
                    {
                        var prev = q.AsSpan(p * n, n);
                        double dot = 0;
                        for (int j = 0; j < n; j++)
                        {
                            dot += row[j] * prev[j];
                        }
                        for (int j = 0; j < n; j++)
                        {
                            row[j] -= dot * prev[j];
                        }
                    }
                }
                double norm = 0;
                for (int j = 0; j < n; j++)
                {
                    norm += row[j] * row[j];
                }
                norm = Math.Sqrt(norm);
                if (norm < 1e-8)
                {
                    ok = false; // degenerate draw (probability ~0): draw again
                    break;
                }
                for (int j = 0; j < n; j++)
                {
                    row[j] /= norm;
                }
            }
            if (ok)
            {
                return;
            }
        }
    }
}
