namespace FastWeights.Kernels;

/// <summary>
/// Many small products against one fixed right factor: C[m×n] = A[m×k]·B (+ C), with B packed once into the
/// micro-kernel's NR-wide panels (<see cref="GemmPacking.PackB"/>) and A read in place through its row stride.
/// Used by the fast-weights RNN's lockstep chunks (W h(t) and Wᵀ da(t) for a few examples per step), where a
/// general <see cref="Gemm.Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
/// call would re-pack B's ragged panel and set up its blocking every time. Each element of C is one fixed
/// sequence of FMAs over p = 0..k−1, so results do not depend on threading.
/// </summary>
internal static unsafe class PackedPanelProduct
{
    private const int MR = GemmMicroKernel.MR;
    private const int NR = GemmMicroKernel.NR;

    /// <summary>Floats of the packed form of a k×n right factor.</summary>
    public static int PackedLength(int k, int n) => (n + NR - 1) / NR * NR * k;

    /// <summary>Packs op(B) (k×n; B stored n×k when <paramref name="transB"/>) into <paramref name="packed"/>.</summary>
    public static void Pack(ReadOnlySpan<float> b, int k, int n, bool transB, Span<float> packed)
    {
        if (b.Length < k * n || packed.Length < PackedLength(k, n))
        {
            throw new ArgumentException("PackedPanelProduct.Pack: span too short.");
        }
        fixed (float* pb = b, pp = packed)
        {
            // op(B)[p, j] = b[p·brs + j·bcs].
            nint brs = transB ? 1 : n, bcs = transB ? k : 1;
            GemmPacking.PackB(pp, pb, brs, bcs, n, k, 0, (n + NR - 1) / NR);
        }
    }

    /// <summary>
    /// C = A·B (<paramref name="accumulate"/> false) or C += A·B, for A m×k with row stride <paramref name="lda"/>,
    /// B packed by <see cref="Pack"/>, C m×n with row stride <paramref name="ldc"/>.
    /// </summary>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> packed, bool accumulate, Span<float> c, int ldc)
    {
        if (m == 0 || n == 0)
        {
            return;
        }
        if (k == 0 || lda < k || ldc < n || a.Length < ((m - 1) * lda) + k || packed.Length < PackedLength(k, n) || c.Length < ((m - 1) * ldc) + n)
        {
            throw new ArgumentException("PackedPanelProduct.Multiply: bad shape or span too short.");
        }
        KernelPath path = KernelPaths.Current;
        int width = GemmMicroKernel.TileWidth(path);
        float beta = accumulate ? 1f : 0f;
        fixed (float* pa = a, pb = packed, pc = c)
        {
            for (int i = 0; i < m; i += MR)
            {
                int mr = Math.Min(MR, m - i);
                float* aTile = pa + ((nint)i * lda);
                for (int j = 0; j < n; j += width)
                {
                    int nr = Math.Min(width, n - j);
                    float* bPanel = pb + ((nint)j * k);
                    float* cTile = pc + ((nint)i * ldc) + j;
                    GemmMicroKernel.Tile(path, k, aTile, lda, 1, bPanel, NR, bPanel + ((nint)k * NR), NR, cTile, ldc, mr, nr, 1f, beta);
                }
            }
        }
    }
}
