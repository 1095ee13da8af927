using System.Runtime.Intrinsics;
using FastWeights.Kernels;

namespace FastWeights.Tests.Kernels;

public class SimdPathsTests
{
    [Fact]
    public void DescriptionNamesThePathsThisProcessRuns()
    {
        string s = SimdPaths.Describe();
        Assert.Contains(Vector512.IsHardwareAccelerated ? "TensorPrimitives 512-bit" : "TensorPrimitives 256-bit", s);
        Assert.Contains(GemmMicroKernel.Best switch
        {
            GemmKernelPath.Avx512 => "our kernels AVX-512 GEMM micro-kernel 6×32",
            GemmKernelPath.Avx2 => "our kernels AVX2 + FMA",
            _ => "our kernels scalar fallback",
        }, s);
    }
}
