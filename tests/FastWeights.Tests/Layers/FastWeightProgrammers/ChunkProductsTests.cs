using FastWeights.Kernels;
using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

public class ChunkProductsTests
{
    /// <summary>Skipping the zero triangles gives exactly the full product of <see cref="Gemm.Multiply"/> (a zero term is exact).</summary>
    [Theory]
    [InlineData(false, 0, 0, false)]
    [InlineData(false, 1, 0, false)]
    [InlineData(true, 2, 0, false)]
    [InlineData(true, 2, 1, false)]
    [InlineData(false, 0, 2, true)]
    [InlineData(false, 0, 0, true)]
    public void TriangularProductsEqualTheFullProduct(bool transA, int aKind, int bKind, bool lowerOnly)
    {
        // 0: full, 1: lower, 2: upper (Triangle is internal).
        var aShape = (Triangle)aKind;
        var bShape = (Triangle)bKind;
        foreach (int m in new[] { 16, 37, 64 })
        {
            int n = m % 16 == 0 ? m : 48, k = m;
            var rng = new Rng((ulong)m);
            // A stored m×k (or k×m); zero where the shape says op(A) is zero.
            var a = Random(rng, m * k);
            for (int i = 0; i < m; i++)
            {
                for (int p = 0; p < k; p++)
                {
                    bool zero = (aShape == Triangle.Lower && p > i) || (aShape == Triangle.Upper && p < i);
                    if (zero)
                    {
                        a[transA ? (p * m) + i : (i * k) + p] = 0f;
                    }
                }
            }
            var b = Random(rng, k * n);
            for (int p = 0; p < k; p++)
            {
                for (int j = 0; j < n; j++)
                {
                    if ((bShape == Triangle.Lower && p < j) || (bShape == Triangle.Upper && p > j))
                    {
                        b[(p * n) + j] = 0f;
                    }
                }
            }
            var c0 = Random(rng, m * n);
            var expected = (float[])c0.Clone();
            float beta = lowerOnly ? 0f : 0.5f;
            Gemm.Multiply(transA, false, m, n, k, -1.5f, a, transA ? m : k, b, n, beta, expected, n);
            if (lowerOnly)
            {
                for (int i = 0; i < m; i++)
                {
                    for (int j = i + 1; j < n; j++)
                    {
                        expected[(i * n) + j] = 0f;
                    }
                }
            }
            var got = (float[])c0.Clone();
            ChunkProducts.Multiply(transA, m, n, k, -1.5f, a, transA ? m : k, b, n, beta, got, n, aShape, bShape, lowerOnly);
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void TransposeSwapsRowsAndColumns()
    {
        var src = Random(new Rng(3), 13 * 21);
        var dst = new float[21 * 15];
        ChunkProducts.Transpose(src, 13, 21, 21, dst, 15);
        for (int i = 0; i < 13; i++)
        {
            for (int j = 0; j < 21; j++)
            {
                Assert.Equal(src[(i * 21) + j], dst[(j * 15) + i]);
            }
        }
    }

    private static float[] Random(Rng rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.NextFloat() - 0.5f;
        }
        return x;
    }
}
