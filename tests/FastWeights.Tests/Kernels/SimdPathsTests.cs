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
        Assert.Contains(GemmMicroKernel.Avx2Supported ? "our kernels AVX2 + FMA" : "our kernels scalar fallback", s);
    }
}
