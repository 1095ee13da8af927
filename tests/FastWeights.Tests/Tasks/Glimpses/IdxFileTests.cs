using System.IO.Compression;
using FastWeights.Tasks.Glimpses;

namespace FastWeights.Tests.Tasks.Glimpses;

public sealed class IdxFileTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "fw-idx-" + Guid.NewGuid().ToString("N"));

    public IdxFileTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, true);

    [Theory]
    [InlineData("x.idx")]
    [InlineData("x.idx.gz")]
    public void RoundTripKeepsSizesAndBytes(string name)
    {
        var data = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 7)).ToArray();
        string path = Path.Combine(dir, name);
        IdxFile.Write(path, [3, 4, 5], data);
        var (sizes, read) = IdxFile.Read(path);
        Assert.Equal([3, 4, 5], sizes);
        Assert.Equal(data, read);
        bool gzipped = File.ReadAllBytes(path)[0] == 0x1f;
        Assert.Equal(name.EndsWith(".gz", StringComparison.Ordinal), gzipped);
    }

    [Fact]
    public void ImageSetRoundTripsThroughTheDirectoryLayout()
    {
        var set = new ImageSet(Enumerable.Range(0, 2 * 28 * 28).Select(i => (byte)i).ToArray(), [3, 9], 28, 28);
        set.Save(dir, "train");
        var loaded = ImageSet.Load(dir, "train");
        Assert.Equal(set.Pixels, loaded.Pixels);
        Assert.Equal(set.Labels, loaded.Labels);
        Assert.Equal((28, 28), (loaded.Height, loaded.Width));
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "wrong magic", [1, 2, 8, 1, 0, 0, 0, 1, 5], "wrong magic number" },
        { "not bytes", [0, 0, 0x0D, 1, 0, 0, 0, 1, 5, 5, 5, 5], "is not unsigned bytes" },
        { "no dimensions", [0, 0, 8, 0], "0 dimensions" },
        { "truncated header", [0, 0, 8, 3, 0, 0, 0], "truncated IDX header" },
        { "truncated data", [0, 0, 8, 1, 0, 0, 0, 4, 1, 2], "truncated" },
        { "trailing bytes", [0, 0, 8, 1, 0, 0, 0, 1, 1, 2], "trailing bytes" },
        { "empty", [], "wrong magic number" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFilesGiveOneLineNamingTheFile(string what, byte[] bytes, string expected)
    {
        string path = Path.Combine(dir, what.Replace(' ', '-'));
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<FormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void BrokenGzipIsAFormatError()
    {
        string path = Path.Combine(dir, "broken.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(new byte[1000]);
        }
        var bytes = File.ReadAllBytes(path);
        bytes[12] ^= 0xFF;
        bytes[13] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsAny<FormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void LabelsThatDisagreeWithTheImagesAreNamed()
    {
        IdxFile.Write(Path.Combine(dir, "t10k-images-idx3-ubyte"), [2, 28, 28], new byte[2 * 28 * 28]);
        IdxFile.Write(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), [3], [1, 2, 3]);
        var e = Assert.Throws<FormatException>(() => ImageSet.Load(dir, "t10k"));
        Assert.Contains("t10k-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("3 labels for the 2 images", e.Message);
    }

    [Fact]
    public void LabelsOutOfRangeAndWrongRankAreNamed()
    {
        IdxFile.Write(Path.Combine(dir, "train-images-idx3-ubyte"), [1, 28, 28], new byte[28 * 28]);
        IdxFile.Write(Path.Combine(dir, "train-labels-idx1-ubyte"), [1], [12]);
        Assert.Contains("label 12 of image 0", Assert.Throws<FormatException>(() => ImageSet.Load(dir, "train")).Message);
        IdxFile.Write(Path.Combine(dir, "train-images-idx3-ubyte"), [28 * 28], new byte[28 * 28]);
        Assert.Contains("need 3 IDX dimensions", Assert.Throws<FormatException>(() => ImageSet.Load(dir, "train")).Message);
    }

    [Fact]
    public void MissingFilesAndDirectoriesAreNamed()
    {
        Assert.Contains("train-images-idx3-ubyte[.gz] not found", Assert.Throws<FileNotFoundException>(() => ImageSet.Load(dir, "train")).Message);
        Assert.Throws<DirectoryNotFoundException>(() => ImageSet.Load(Path.Combine(dir, "nope"), "train"));
    }

    [Fact]
    public void FashionMnistLoadsWithItsPublishedCounts()
    {
        var train = ImageSet.Load(ImageDataSources.FashionMnistDirectory, "train");
        var test = ImageSet.Load(ImageDataSources.FashionMnistDirectory, "t10k");
        Assert.Equal((60000, 28, 28), (train.Count, train.Height, train.Width));
        Assert.Equal(10000, test.Count);
        // Balanced classes: 6,000 training images of each.
        Assert.All(train.Labels.GroupBy(l => l), g => Assert.Equal(6000, g.Count()));
    }

    [Fact]
    public void TheNpmMnistPackageBecomesIdxFilesOfRealDigits()
    {
        string outDir = Path.Combine(dir, "mnist");
        var (train, test) = MnistJsonPackage.Convert(ImageDataSources.MnistPackage, outDir);
        Assert.Equal((8000, 2000), (train, test));
        var trainSet = ImageSet.Load(outDir, "train");
        var testSet = ImageSet.Load(outDir, "t10k");
        Assert.Equal(8000, trainSet.Count);
        Assert.Equal(2000, testSet.Count);
        // About 1,000 digits per class (the package's own counts, 863 to 1,127), shuffled so both splits hold every class.
        var all = trainSet.Labels.Concat(testSet.Labels).GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, all.Count);
        Assert.Equal(10000, all.Values.Sum());
        Assert.All(all.Values, n => Assert.InRange(n, 850, 1150));
        Assert.Equal(10, testSet.Labels.Distinct().Count());
        // Real digits: ink on a dark background, about a fifth of the pixels lit (MNIST's mean grey level is about 33).
        double mean = trainSet.Pixels.Average(p => (double)p);
        Assert.InRange(mean, 25, 45);
        Assert.Equal(255, trainSet.Pixels.Max());
    }

    [Fact]
    public void ATruncatedPackageArchiveIsAFormatError()
    {
        byte[] whole = File.ReadAllBytes(ImageDataSources.MnistPackage);
        string truncated = Path.Combine(dir, "truncated.tgz");
        File.WriteAllBytes(truncated, whole.AsSpan(0, whole.Length / 2).ToArray());
        var e = Assert.ThrowsAny<FormatException>(() => MnistJsonPackage.Read(truncated));
        Assert.Contains(truncated, e.Message);
    }

    [Fact]
    public void AMalformedPackageIsAFormatError()
    {
        string pkg = Path.Combine(dir, "pkg", "package", "src", "digits");
        Directory.CreateDirectory(pkg);
        File.WriteAllText(Path.Combine(pkg, "0.json"), "{\"nodata\": 1}");
        var e = Assert.Throws<FormatException>(() => MnistJsonPackage.Read(Path.Combine(dir, "pkg")));
        Assert.Contains("0.json", e.Message);
        File.WriteAllText(Path.Combine(pkg, "0.json"), "{\"data\": [0.5, 0.5]}");
        Assert.Contains("not a whole number of 28×28 digits", Assert.Throws<FormatException>(() => MnistJsonPackage.Read(Path.Combine(dir, "pkg"))).Message);
    }
}
