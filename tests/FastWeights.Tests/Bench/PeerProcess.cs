using System.Diagnostics;

namespace FastWeights.Tests.Bench;

/// <summary>Runs the PyTorch peer scripts of <c>bench/peers</c> as child processes for the benchmark smoke tests.</summary>
internal static class PeerProcess
{
    /// <summary>The interpreter the benchmark runner uses (Debian's, where python3-torch installs).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Path of a peer script under <c>bench/peers</c>.</summary>
    public static string Script(string name) => Path.Combine(RepoRoot(), "bench", "peers", name);

    /// <summary>True when <see cref="Python"/> exists and can import torch.</summary>
    public static bool TorchAvailable() => File.Exists(Python) && Run(Python, "-c", "import torch").ExitCode == 0;

    /// <summary>
    /// Fails the calling test unless PyTorch is installed: the peer is part of the suite's requirements (.ci/run installs
    /// python3-torch and libopenblas0-pthread), so a missing peer is a failure, never a silent skip.
    /// </summary>
    public static void RequireTorch() =>
        Assert.True(TorchAvailable(), $"{Python} cannot import torch: install python3-torch and libopenblas0-pthread (apt), as .ci/run does");

    /// <summary>Runs <paramref name="exe"/> to completion; returns its exit code and standard output.</summary>
    public static (int ExitCode, string Stdout) Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = err.Result;
        return (p.ExitCode, stdout);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FastWeights.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root not found");
    }
}
