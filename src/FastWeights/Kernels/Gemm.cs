namespace FastWeights.Kernels;

/// <summary>
/// Single-precision general matrix multiply on row-major storage:
/// C = alpha · op(A) · op(B) + beta · C, where op(X) is X or Xᵀ.
/// Results do not depend on the number of threads.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C. Row-major with leading dimensions
    /// <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/> (the row stride of each stored matrix).
    /// With <paramref name="transA"/>, A is stored k×m; with <paramref name="transB"/>, B is stored n×k.
    /// When <paramref name="beta"/> is 0, C is overwritten and its old contents (even NaN) are ignored.
    /// </summary>
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        // Placeholder reference loop; replaced by the blocked SIMD kernel.
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    float bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += av * bv;
                }
                int ci = (i * ldc) + j;
                c[ci] = beta == 0f ? alpha * sum : (alpha * sum) + (beta * c[ci]);
            }
        }
    }

    /// <summary>
    /// A batch of independent products: for each b in [0, <paramref name="batch"/>), the matrices start at
    /// b·strideA, b·strideB, b·strideC. A stride of 0 reuses one matrix for the whole batch.
    /// </summary>
    public static void MultiplyBatched(
        int batch, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        float beta, Span<float> c, int ldc, int strideC)
    {
        for (int i = 0; i < batch; i++)
        {
            Multiply(transA, transB, m, n, k, alpha, a[(i * strideA)..], lda, b[(i * strideB)..], ldb, beta, c[(i * strideC)..], ldc);
        }
    }
}
