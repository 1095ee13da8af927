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
        Assert.Contains(KernelPaths.Best switch
        {
            KernelPath.Avx512 => "our kernels AVX-512 (GEMM micro-kernel 6×32, streaming matrix–vector products)",
            KernelPath.Avx2 => "our kernels AVX2 + FMA",
            _ => "our kernels scalar fallback",
        }, s);
    }
}
