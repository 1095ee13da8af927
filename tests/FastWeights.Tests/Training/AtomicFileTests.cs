using FastWeights.Training;

namespace FastWeights.Tests.Training;

/// <summary>A write that fails part-way (a full disk, a crash in the writer) leaves the old file whole and no temporary behind.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("fw-atomic-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    [Fact]
    public void AFailedTextWriteKeepsTheOldFile()
    {
        string path = Path.Combine(root, "train.txt");
        AtomicFile.WriteText(path, w => w.Write("old\n"));
        Assert.Throws<IOException>(() => AtomicFile.WriteText(path, w =>
        {
            w.Write(new string('x', 100_000));
            w.Flush();
            throw new IOException("No space left on device", 28);
        }));
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(root));
    }

    [Fact]
    public void AFailedWriteThroughATemporaryPathKeepsTheOldFileAndASuccessfulOneReplacesIt()
    {
        string path = Path.Combine(root, "attention.png");
        File.WriteAllText(path, "old picture");
        Assert.Throws<IOException>(() => AtomicFile.WriteVia(path, tmp =>
        {
            Assert.EndsWith(".png", tmp); // writers that pick the format from the extension still see .png
            File.WriteAllText(tmp, "half a pic");
            throw new IOException("No space left on device", 28);
        }));
        Assert.Equal("old picture", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(root));
        AtomicFile.WriteVia(path, tmp => File.WriteAllText(tmp, "new picture"));
        Assert.Equal("new picture", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(root));
    }
}
