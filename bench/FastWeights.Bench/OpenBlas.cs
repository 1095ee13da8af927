using System.Runtime.InteropServices;

namespace FastWeights.Bench;

/// <summary>
/// OpenBLAS loaded at run time (Debian libopenblas0 / libopenblas0-pthread), for comparison only:
/// the library never depends on it.
/// </summary>
internal sealed unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    private readonly delegate* unmanaged<int, void> setNumThreads;
    private readonly delegate* unmanaged<byte*> getCoreName;
    private readonly delegate* unmanaged<byte*> getConfig;

    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
        "libopenblas.so.0",
        "libopenblas.so",
        "libopenblas",
    ];

    private OpenBlas(nint handle, string path)
    {
        Path = path;
        sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(handle, "cblas_sgemm");
        setNumThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(handle, "openblas_set_num_threads");
        getCoreName = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(handle, "openblas_get_corename");
        getConfig = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(handle, "openblas_get_config");
    }

    /// <summary>Where the library was loaded from.</summary>
    public string Path { get; }

    /// <summary>The kernel family OpenBLAS picked for this CPU.</summary>
    public string CoreName => Marshal.PtrToStringUTF8((nint)getCoreName()) ?? "?";

    /// <summary>OpenBLAS build configuration string.</summary>
    public string Config => Marshal.PtrToStringUTF8((nint)getConfig()) ?? "?";

    /// <summary>Loads OpenBLAS, or returns null when it is not installed.</summary>
    public static OpenBlas? TryLoad()
    {
        foreach (string candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                return new OpenBlas(handle, candidate);
            }
        }
        return null;
    }

    /// <summary>Sets the number of OpenBLAS worker threads.</summary>
    public void SetThreads(int threads) => setNumThreads(threads);

    /// <summary>Row-major cblas_sgemm.</summary>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>
    /// OpenBLAS tuning variables that hold it below its best when set in the environment: OPENBLAS_CORETYPE forces a
    /// kernel (Haswell's AVX2 one on an AVX-512 machine runs at half speed), OPENBLAS_L2_SIZE a cache size.
    /// </summary>
    public static readonly string[] TuningVariables = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

    /// <summary>
    /// Drops <see cref="TuningVariables"/> from this process (native and managed environment, so OpenBLAS loaded here and
    /// every child process, the PyTorch peers included, pick their own kernels); returns what was dropped, e.g.
    /// "OPENBLAS_CORETYPE=Haswell", for the report.
    /// </summary>
    public static List<string> DropTuningEnvironment()
    {
        var dropped = new List<string>();
        foreach (string name in TuningVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is string value)
            {
                dropped.Add($"{name}={value}");
                Environment.SetEnvironmentVariable(name, null);
                UnsetNativeEnvironment(name);
            }
        }
        return dropped;
    }

    /// <summary>Removes <see cref="TuningVariables"/> from a child process's environment (the peers', whatever this process inherited).</summary>
    public static void RemoveTuning(IDictionary<string, string?> environment)
    {
        foreach (string name in TuningVariables)
        {
            environment.Remove(name);
        }
    }

    /// <summary>Removes a variable from the native process environment (OpenBLAS reads it with getenv when loaded).</summary>
    [DllImport("libc", EntryPoint = "unsetenv")]
    public static extern int UnsetNativeEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
