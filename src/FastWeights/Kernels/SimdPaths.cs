using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Kernels;

/// <summary>Which vector instructions this process's kernels run (for benchmark headers and bug reports).</summary>
public static class SimdPaths
{
    /// <summary>
    /// One line: the width System.Numerics.Tensors' <c>TensorPrimitives</c> uses (512-bit on AVX-512 unless
    /// <c>DOTNET_PreferredVectorBitWidth=256</c>; see docs/reproducibility.md) and the instruction set of our own
    /// hand-written kernels (GEMM micro-kernel, fused sequence ops, streaming steps).
    /// </summary>
    public static string Describe()
    {
        string primitives = Vector512.IsHardwareAccelerated ? "512-bit (AVX-512)" : Vector256.IsHardwareAccelerated ? "256-bit (AVX2)" : Vector128.IsHardwareAccelerated ? "128-bit" : "scalar";
        string ours = GemmMicroKernel.Best switch
        {
            GemmKernelPath.Avx512 => "AVX-512 GEMM micro-kernel 6×32, other kernels AVX2 + FMA",
            GemmKernelPath.Avx2 => "AVX2 + FMA (256-bit; the GEMM micro-kernel 6×16)",
            _ => "scalar fallback",
        };
        string avx512 = Avx512F.IsSupported ? "present" : "absent";
        return $"SIMD: TensorPrimitives {primitives}; our kernels {ours}; AVX-512F {avx512}";
    }
}
