using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastWeights.Kernels;

/// <summary>Which instruction set our hand-written kernels run (<see cref="KernelPaths.Best"/> on this machine; tests force the others).</summary>
internal enum KernelPath
{
    /// <summary>No AVX2/FMA: Vector128 or scalar loops.</summary>
    Portable,

    /// <summary>AVX2 + FMA: the GEMM micro-kernel's 6×16 tiles, 256-bit streaming loops.</summary>
    Avx2,

    /// <summary>AVX-512F: 6×32 GEMM tiles, 512-bit streaming matrix–vector loops; the same bits as <see cref="Avx2"/>.</summary>
    Avx512,
}

/// <summary>
/// The kernel path chosen at run time. Every AVX-512 kernel computes each element with the operations, in the order, of
/// its AVX2 twin (one FMA per term, the same chains), so the path never changes a result; tests force the AVX2 fallback
/// on AVX-512 machines and compare bit for bit.
/// </summary>
internal static class KernelPaths
{
    /// <summary>Environment variable that lowers the path of a whole process: <c>avx2</c> (anything else: the machine's best).</summary>
    public const string EnvironmentVariable = "FASTWEIGHTS_KERNELS";

    /// <summary>The fastest path this machine's processor runs.</summary>
    public static KernelPath Machine { get; } = Fma.IsSupported && Avx2.IsSupported
        ? Avx512F.IsSupported ? KernelPath.Avx512 : KernelPath.Avx2
        : KernelPath.Portable;

    /// <summary>
    /// The path this process runs: <see cref="Machine"/>, or a slower one named by <see cref="EnvironmentVariable"/>
    /// (to compare paths on one machine, e.g. <c>FASTWEIGHTS_KERNELS=avx2</c> on an AVX-512 processor).
    /// </summary>
    public static KernelPath Best { get; } = Choose(Environment.GetEnvironmentVariable(EnvironmentVariable), Machine);

    /// <summary>The path for a request (<c>avx2</c>, or anything else for <paramref name="machine"/>); never faster than the machine's.</summary>
    internal static KernelPath Choose(string? request, KernelPath machine) =>
        string.Equals(request?.Trim(), "avx2", StringComparison.OrdinalIgnoreCase) && machine > KernelPath.Avx2 ? KernelPath.Avx2 : machine;

    [ThreadStatic]
    private static KernelPath? force;

    // Whether any thread ever forced a path: until then Current skips the thread-static lookup (hot in streaming loops).
    private static volatile bool anyForced;

    /// <summary>Tests set this (for the calling thread) to run a slower path than <see cref="Best"/>; null runs the best.</summary>
    internal static KernelPath? Force
    {
        get => force;
        set
        {
            anyForced |= value is not null;
            force = value;
        }
    }

    /// <summary>The path of the calling thread's kernels.</summary>
    public static KernelPath Current => anyForced && force is { } forced
        ? forced <= Best ? forced : throw new InvalidOperationException($"This machine cannot run the {forced} kernels (best: {Best}).")
        : Best;
}

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
        string ours = KernelPaths.Best switch
        {
            KernelPath.Avx512 => "AVX-512 (GEMM micro-kernel 6×32, streaming matrix–vector products), other kernels AVX2 + FMA",
            KernelPath.Avx2 => "AVX2 + FMA (256-bit; the GEMM micro-kernel 6×16)",
            _ => "scalar fallback",
        };
        string avx512 = Avx512F.IsSupported ? "present" : "absent";
        string lowered = KernelPaths.Best != KernelPaths.Machine ? $" (lowered by {KernelPaths.EnvironmentVariable} from {KernelPaths.Machine})" : "";
        return $"SIMD: TensorPrimitives {primitives}; our kernels {ours}{lowered}; AVX-512F {avx512}";
    }
}
