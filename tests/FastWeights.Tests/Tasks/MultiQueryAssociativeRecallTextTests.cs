using FastWeights.Tasks;

namespace FastWeights.Tests.Tasks;

/// <summary>The text form of MQAR sequences and the targets it derives from the ids.</summary>
public sealed class MultiQueryAssociativeRecallTextTests
{
    [Theory]
    [InlineData(16, 12, 3)]
    [InlineData(64, 32, 8)]
    public void DerivedTargetsAreTheGeneratedOnesOfTheAnsweredLayout(int vocab, int length, int pairs)
    {
        var data = new MultiQueryAssociativeRecallTask(vocab, length, pairs, MqarQueryLayout.Answered).Generate(seed: 9, count: 200);
        var targets = new int[length];
        for (int n = 0; n < data.Count; n++)
        {
            int queries = MultiQueryAssociativeRecallText.Targets(data.Sequence(n), vocab, targets);
            Assert.Equal(data.TargetsOf(n).ToArray(), targets);
            Assert.Equal(pairs, queries);
        }
    }

    /// <summary>
    /// Written text marks each query with '?' and reads back to the same ids and targets, in both layouts; Zoology's
    /// random filler repeats keys, so there the marks, not the repeats, say where the queries are.
    /// </summary>
    [Theory]
    [InlineData(MqarQueryLayout.Answered, 16, 12, 2)]
    [InlineData(MqarQueryLayout.Zoology, 16, 12, 2)]
    [InlineData(MqarQueryLayout.Zoology, 64, 32, 8)]
    public void WrittenTextReadsBackWithTheSameIdsAndTargets(MqarQueryLayout layout, int vocab, int length, int pairs)
    {
        var data = new MultiQueryAssociativeRecallTask(vocab, length, pairs, layout).Generate(seed: 3, count: 200);
        var w = new StringWriter();
        MultiQueryAssociativeRecallText.Write(data, w);
        var text = w.ToString();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(200, lines.Length);
        Assert.All(lines, l => Assert.Equal(pairs, l.Count(c => c == '?')));
        var back = MultiQueryAssociativeRecallText.Read(new StringReader(text), vocab);
        Assert.Equal(data.Inputs, back.Inputs);
        Assert.Equal(data.Targets, back.Targets);
        Assert.Equal(length, back.Length);
        if (layout == MqarQueryLayout.Zoology)
        {
            // Without the marks some of these lines would take a repeated filler key for a query.
            var unmarked = new int[length];
            int differ = Enumerable.Range(0, data.Count).Count(n =>
            {
                MultiQueryAssociativeRecallText.Targets(data.Sequence(n), vocab, unmarked);
                return !unmarked.AsSpan().SequenceEqual(data.TargetsOf(n));
            });
            Assert.True(differ > 0, "random filler repeats keys");
        }
    }

    [Theory]
    [InlineData("3 9 5 12 7 3? 1", new[] { -100, -100, -100, -100, -100, 9, -100 })]
    [InlineData("3 9 5 12 3 5? 1", new[] { -100, -100, -100, -100, -100, 12, -100 })]
    public void AMarkedQueryAnswersWithTheValueAfterTheKeysFirstOccurrenceAndNothingElseIsScored(string text, int[] expected)
    {
        var (ids, targets) = MultiQueryAssociativeRecallText.Example(text, 16);
        Assert.Equal(7, ids.Length);
        Assert.Equal(expected, targets);
    }

    [Theory]
    [InlineData("3 9 5 12 7? 1", "token 7 at position 5 is marked as a query but is not a key")]
    [InlineData("3? 9 5 12 7 1", "token 3 at position 1 is marked as a query")]
    [InlineData("3 9 5 12 7 1", "no query")]
    [InlineData("3 9 5 x? 7 1", "token 'x?' at position 4 is not a token id between 0 and 15")]
    public void BadMarksAreOneLineErrors(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => MultiQueryAssociativeRecallText.Example(text, 16));
        Assert.Contains(expected, e.Message);
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
