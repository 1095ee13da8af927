using FastWeights.Tasks;

namespace FastWeights.Tests.Tasks;

/// <summary>The text form of MQAR sequences and the targets it derives from the ids.</summary>
public sealed class MultiQueryAssociativeRecallTextTests
{
    [Theory]
    [InlineData(16, 12, 3)]
    [InlineData(64, 32, 8)]
    public void DerivedTargetsAreTheGeneratedOnes(int vocab, int length, int pairs)
    {
        var data = new MultiQueryAssociativeRecallTask(vocab, length, pairs).Generate(seed: 9, count: 200);
        var targets = new int[length];
        for (int n = 0; n < data.Count; n++)
        {
            int queries = MultiQueryAssociativeRecallText.Targets(data.Sequence(n), vocab, targets);
            Assert.Equal(data.TargetsOf(n).ToArray(), targets);
            Assert.Equal(pairs, queries);
        }
    }

    [Fact]
    public void WrittenTextReadsBackWithTheSameIdsAndTargets()
    {
        var data = new MultiQueryAssociativeRecallTask(16, 12, 2).Generate(seed: 3, count: 7);
        var w = new StringWriter();
        MultiQueryAssociativeRecallText.Write(data, w);
        var text = w.ToString();
        Assert.Equal(7, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var back = MultiQueryAssociativeRecallText.Read(new StringReader(text), 16);
        Assert.Equal(data.Inputs, back.Inputs);
        Assert.Equal(data.Targets, back.Targets);
        Assert.Equal(12, back.Length);
    }

    [Fact]
    public void ParseAcceptsSpacesAndCommasAndNamesBadTokens()
    {
        Assert.Equal([3, 9, 5, 12, 0, 3], MultiQueryAssociativeRecallText.Parse(" 3 9,5, 12\t0 3 ", 16));
        Assert.Equal("3 9 0", MultiQueryAssociativeRecallText.Format([3, 9, 0]));
        Assert.Contains("'16' at position 2", Assert.Throws<FormatException>(() => MultiQueryAssociativeRecallText.Parse("3 16", 16)).Message);
        Assert.Contains("'-1'", Assert.Throws<FormatException>(() => MultiQueryAssociativeRecallText.Parse("-1 3", 16)).Message);
        Assert.Contains("empty", Assert.Throws<FormatException>(() => MultiQueryAssociativeRecallText.Parse(" , ", 16)).Message);
        Assert.Contains("in:2:", Assert.Throws<FormatException>(() => MultiQueryAssociativeRecallText.Read(new StringReader("3 9 3\n3 9\n"), 16, "in")).Message);
        Assert.Contains("input:1: no query", Assert.Throws<FormatException>(() => MultiQueryAssociativeRecallText.Read(new StringReader("3 9 5\n"), 16)).Message);
    }

    [Fact]
    public void AQueryAnswersWithTheTokenAfterTheFirstOccurrence()
    {
        var t = new int[8];
        // 3 → 9 and 5 → 12; 3 asked twice; 9 and 12 are values (not keys); 0 is filler.
        Assert.Equal(3, MultiQueryAssociativeRecallText.Targets([3, 9, 5, 12, 0, 3, 3, 5], 16, t));
        int ig = TokenDataset.IgnoreIndex;
        Assert.Equal([ig, ig, ig, ig, ig, 9, 9, 12], t);
    }
}
