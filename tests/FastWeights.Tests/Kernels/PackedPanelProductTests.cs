using FastWeights.Kernels;
using FastWeights.Tensors;

namespace FastWeights.Tests.Kernels;

public class PackedPanelProductTests
{
    [Theory]
    [InlineData("best")]
    [InlineData("avx2")]
    [InlineData("portable")]
    public void MultiplyMatchesDoubleReference(string path)
    {
        var rng = new Rng(77);
        var shapes = new (int M, int N, int K)[] { (1, 1, 1), (1, 50, 50), (5, 3, 7), (7, 16, 9), (12, 50, 50), (13, 17, 33), (8, 100, 100), (7, 32, 9), (6, 48, 20) };
        KernelPaths.Force = path switch { "avx2" => KernelPath.Avx2, "portable" => KernelPath.Portable, _ => null };
        try
        {
            foreach (var (m, n, k) in shapes)
            {
                foreach (bool transB in new[] { false, true })
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        // A with a row stride wider than k (as the fw-rnn's rows T·R apart), C likewise.
                        int lda = k + 3, ldc = n + 2;
                        var a = new float[((m - 1) * lda) + k];
                        var b = new float[k * n];
                        var c = new float[((m - 1) * ldc) + n];
                        rng.FillNormal(a, 0f, 1f);
                        rng.FillNormal(b, 0f, 1f);
                        rng.FillNormal(c, 0f, 1f);
                        var expected = new double[c.Length];
                        for (int i = 0; i < m; i++)
                        {
                            for (int j = 0; j < n; j++)
                            {
                                double sum = accumulate ? c[(i * ldc) + j] : 0;
                                for (int p = 0; p < k; p++)
                                {
                                    // op(B)[p, j]: B stored n×k when transposed.
                                    sum += (double)a[(i * lda) + p] * b[transB ? (j * k) + p : (p * n) + j];
                                }
                                expected[(i * ldc) + j] = sum;
                            }
                        }
                        var packed = new float[PackedPanelProduct.PackedLength(k, n)];
                        PackedPanelProduct.Pack(b, k, n, transB, packed);
                        PackedPanelProduct.Multiply(m, n, k, a, lda, packed, accumulate, c, ldc);
                        for (int i = 0; i < m; i++)
                        {
                            for (int j = 0; j < n; j++)
                            {
                                double e = expected[(i * ldc) + j];
                                Assert.True(Math.Abs(c[(i * ldc) + j] - e) <= 1e-4 * (1 + Math.Abs(e)) * Math.Sqrt(k), $"m={m} n={n} k={k} transB={transB} acc={accumulate} ({i},{j})");
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            KernelPaths.Force = null;
        }
    }

    [Fact]
    public void MultiplyRejectsShortSpans()
    {
        var packed = new float[PackedPanelProduct.PackedLength(4, 4)];
        Assert.Throws<ArgumentException>(() => PackedPanelProduct.Multiply(2, 4, 4, new float[7], 4, packed, false, new float[8], 4));
        Assert.Throws<ArgumentException>(() => PackedPanelProduct.Multiply(2, 4, 4, new float[8], 4, packed, false, new float[7], 4));
    }
}
