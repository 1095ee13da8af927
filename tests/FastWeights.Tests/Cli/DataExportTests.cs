namespace FastWeights.Tests.Cli;

/// <summary><c>data export</c> without a run takes the task options of 'train' (declared once), for every task.</summary>
public sealed class DataExportTests() : CliTestBase("fw-data-")
{
    [Fact]
    public void ExportsTheSplitsOfAnyTaskFromItsOptions()
    {
        string dir = Path.Combine(Root, "mqar");
        var r = Run("data", "export", "--task", "mqar", "--vocab", "16", "--length", "12", "--kv-pairs", "2", "--train-size", "5", "--validation-size", "2", "--test-size", "3", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("wrote 5 + 2 + 3 sequences", r.Out);
        var lines = File.ReadAllLines(Path.Combine(dir, "train.txt"));
        Assert.Equal(5, lines.Length);
        Assert.All(lines, l => Assert.Equal(12, l.Split(' ').Length));

        string assoc = Path.Combine(Root, "assoc");
        r = Run("data", "export", "-K", "3", "--seed", "4", "--train-size", "7", "--validation-size", "2", "--test-size", "2", "--out", assoc);
        Assert.True(r.Code == 0, r.Err);
        Assert.Matches("^([a-z][0-9]){3}\\?\\?[a-z]\t[0-9]$", File.ReadAllLines(Path.Combine(assoc, "test.txt"))[0]);

        var bad = Run("data", "export", "--task", "mqar", "--kv-pairs", "40", "--length", "64", "--out", Path.Combine(Root, "bad"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("--length", bad.Err);
    }
}
