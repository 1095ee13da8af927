using System.Diagnostics;
using System.Text.Json;
using FastWeights.Experiments;

namespace FastWeights.Tests.Cli;

/// <summary>
/// A grid in shards: two processes each train their part (<c>--shard I/N</c>) into one output directory at the same
/// time, <c>--collect</c> builds the report, and it equals the report of the same grid in one process.
/// </summary>
public sealed class GridShardTests() : CliTestBase("fw-shard-")
{
    private static readonly string[] Grid = ["reproduce", "table1", "--steps", "20", "--sizes", "8", "--models", "fw-rnn,lstm", "--seeds", "2", "--batch", "8",
        "--train-size", "100", "--validation-size", "20", "--test-size", "40"];

    [Fact]
    public void TwoShardProcessesThenCollectGiveTheSingleProcessTable()
    {
        string single = Path.Combine(Root, "single");
        var one = Run([.. Grid, "--out", single]);
        Assert.True(one.Code == 0, one.Err);

        string shared = Path.Combine(Root, "shared");
        var processes = new[] { "0/2", "1/2" }.Select(shard => Start([.. Grid, "--shard", shard, "--out", shared])).ToList();
        foreach (var p in processes)
        {
            string output = p.StandardOutput.ReadToEnd();
            string errors = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, errors);
            Assert.Contains("2 of its 2 cells finished", output);
        }
        Assert.False(File.Exists(Path.Combine(shared, "table1.md"))); // a shard writes no report
        // Shard k mod 2: cells 0 and 2 of the plan (fw-rnn s1, lstm s1) in one, 1 and 3 in the other, each trained once.
        Assert.Equal(4, Directory.GetDirectories(Path.Combine(shared, "runs")).Length);

        var collected = Run([.. Grid, "--collect", "--out", shared]);
        Assert.True(collected.Code == 0, collected.Err);
        Assert.Equal(4, collected.Out.Split('\n').Count(l => l.Contains("finished (test error", StringComparison.Ordinal)));
        Assert.Equal(Cells(single), Cells(shared));
        Assert.Equal(Table(single), Table(shared));

        Assert.Contains("give one of them", Run([.. Grid, "--shard", "0/2", "--collect", "--out", shared]).Err);
        Assert.Contains("must be I/N", Run([.. Grid, "--shard", "2/2", "--out", shared]).Err);
    }

    [Fact]
    public void CollectingBeforeEveryShardHasRunReportsTheMissingCells()
    {
        string dir = Path.Combine(Root, "part");
        Assert.Equal(0, Run([.. Grid, "--shard", "1/2", "--out", dir]).Code);
        var collected = Run([.. Grid, "--collect", "--out", dir]);
        Assert.True(collected.Code == 0, collected.Err);
        Assert.Contains("2 cells are not finished yet", collected.Out);
        Assert.Equal(2, Cells(dir).Count(c => c.Error is null));
    }

    [Fact]
    public void ShardsSplitThePlanRoundRobin()
    {
        var shard = GridShard.Parse("1/3");
        Assert.Equal([1, 4, 7], Enumerable.Range(0, 9).Where(shard.Owns));
        Assert.Throws<ArgumentException>(() => GridShard.Parse("3/3"));
        Assert.Throws<ArgumentException>(() => GridShard.Parse("a/b"));
        Assert.Throws<ArgumentException>(() => GridShard.Parse("1/0"));
    }

    // Model, size, seed and test error of every cell in table1.json.
    private static List<(string Model, int Size, int Seed, double? Error)> Cells(string dir) =>
        [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "table1.json"))).RootElement.GetProperty("cells").EnumerateArray()
            .Select(c => (c.GetProperty("model").GetString()!, c.GetProperty("hidden").GetInt32(), c.GetProperty("seed").GetInt32(),
                c.GetProperty("test_error_percent").ValueKind == JsonValueKind.Number ? c.GetProperty("test_error_percent").GetDouble() : (double?)null))];

    // The table rows of table1.md (lines starting with '|'); in the per-seed table the training time and the status
    // (completed in one process, collected from shards) are left out.
    private static List<string> Table(string dir)
    {
        var rows = new List<string>();
        bool perSeed = false;
        foreach (string line in File.ReadAllLines(Path.Combine(dir, "table1.md")))
        {
            if (!line.StartsWith('|'))
            {
                perSeed = false;
                continue;
            }
            perSeed |= line.Contains("| Seed |", StringComparison.Ordinal);
            rows.Add(perSeed ? string.Join('|', line.Split('|')[..^3]) : line);
        }
        return rows;
    }

    private static Process Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FastWeights.Cli.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi)!;
    }
}
