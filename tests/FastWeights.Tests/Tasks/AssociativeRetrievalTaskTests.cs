using FastWeights.Tasks;
using FastWeights.Tensors;

namespace FastWeights.Tests.Tasks;

public class AssociativeRetrievalTaskTests
{
    [Fact]
    public void SequencesFollowThePaperFormat()
    {
        var task = new AssociativeRetrievalTask(4);
        Assert.Equal(11, task.Length);
        var rng = new Rng(3);
        var ids = new int[task.Length];
        for (int n = 0; n < 500; n++)
        {
            int answer = task.Sample(rng, ids);
            string s = AssociativeRetrievalVocabulary.Decode(ids);
            Assert.Matches("^([a-z][0-9]){4}\\?\\?[a-z]$", s);
            var keys = new[] { s[0], s[2], s[4], s[6] };
            Assert.Equal(4, keys.Distinct().Count());
            int q = Array.IndexOf(keys, s[10]);
            Assert.True(q >= 0, "the query is one of the keys");
            Assert.Equal(s[(2 * q) + 1] - '0', answer);
        }
    }

    [Fact]
    public void SplitsAreDeterministicAndTestNeverOverlapsTraining()
    {
        var task = new AssociativeRetrievalTask(2);
        var a = task.Generate(11, 3000, 300, 600);
        var b = task.Generate(11, 3000, 300, 600);
        Assert.Equal(a.Train.Inputs, b.Train.Inputs);
        Assert.Equal(a.Test.Targets, b.Test.Targets);
        Assert.NotEqual(a.Train.Inputs, task.Generate(12, 3000, 300, 600).Train.Inputs);
        var train = Enumerable.Range(0, a.Train.Count).Select(i => AssociativeRetrievalVocabulary.Decode(a.Train.Sequence(i))).ToHashSet();
        var val = Enumerable.Range(0, a.Validation.Count).Select(i => AssociativeRetrievalVocabulary.Decode(a.Validation.Sequence(i))).ToList();
        var test = Enumerable.Range(0, a.Test.Count).Select(i => AssociativeRetrievalVocabulary.Decode(a.Test.Sequence(i))).ToList();
        Assert.DoesNotContain(test, train.Contains);
        Assert.DoesNotContain(val, train.Contains);
        Assert.Empty(test.Intersect(val));
        Assert.Equal(600, test.Distinct().Count());
    }

    [Fact]
    public void TextRoundTrip()
    {
        var task = new AssociativeRetrievalTask(4);
        var data = task.Generate(5, 50, 5, 5).Train;
        var sw = new StringWriter();
        AssociativeRetrievalTask.WriteText(data, sw);
        Assert.StartsWith(AssociativeRetrievalVocabulary.Decode(data.Sequence(0)) + "\t" + data.Targets[0] + "\n", sw.ToString());
        var back = AssociativeRetrievalTask.ReadText(new StringReader(sw.ToString()));
        Assert.Equal(data.Inputs, back.Inputs);
        Assert.Equal(data.Targets, back.Targets);
    }

    [Theory]
    [InlineData("c9k8j3f1??c\t9\nc9k8j3f1??c 9\n", "input:2:")]
    [InlineData("c9k8j3f1??c\t9\nc9k8j3f1??C\t9\n", "input:2: symbol 'C'")]
    [InlineData("c9k8j3f1??c\tx\n", "input:1: answer 'x'")]
    [InlineData("c9k8j3f1??c\t9\nc9k8??c\t9\n", "input:2: sequence has length 7")]
    public void MalformedLinesAreReportedWithTheirNumber(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => AssociativeRetrievalTask.ReadText(new StringReader(text)));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void VocabularyHas37SymbolsAndRejectsOthers()
    {
        var all = "abcdefghijklmnopqrstuvwxyz0123456789?";
        Assert.Equal(AssociativeRetrievalVocabulary.Size, all.Length);
        Assert.Equal(all, AssociativeRetrievalVocabulary.Decode(AssociativeRetrievalVocabulary.Encode(all)));
        Assert.Throws<FormatException>(() => AssociativeRetrievalVocabulary.Encode("ab!"));
    }
}
