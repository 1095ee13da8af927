using System.Diagnostics;
using FastWeights.Tasks;
using FastWeights.Tasks.Glimpses;

namespace FastWeights.Tests.Tasks;

/// <summary>Data files are streamed within bounds: line length, line count and the memory of the examples read.</summary>
public sealed class TextDataFileTests
{
    // A reader that never ends: the same text over and over.
    private sealed class EndlessReader(string text) : TextReader
    {
        private int position;

        public override int Read(char[] buffer, int index, int count)
        {
            for (int i = 0; i < count; i++)
            {
                buffer[index + i] = text[position];
                position = (position + 1) % text.Length;
            }
            return count;
        }
    }

    [Fact]
    public void LinesEndAsReadLineEndsThem()
    {
        var lines = TextDataFile.Lines(new StringReader("a\nb\r\nc\rd\n\ne"), "in", 10).ToList();
        Assert.Equal([(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, ""), (6, "e")], lines);
        Assert.Empty(TextDataFile.Lines(new StringReader(string.Empty), "in", 10));
    }

    [Fact]
    public void ALongLineFailsAfterReadingOnlyItsLimit()
    {
        var reader = new EndlessReader("x");
        var e = Assert.Throws<FormatException>(() => TextDataFile.Lines(reader, "endless", 1000).ToList());
        Assert.Equal("endless:1: line longer than 1,000 characters; not a data file of this task", e.Message);
    }

    [Fact]
    public void AnEndlessStreamOfLinesStopsAtTheLineLimit()
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<FormatException>(() => AssociativeRetrievalTask.ReadText(new EndlessReader("\n"), "blank"));
        Assert.Equal("blank:10000001: more than 10,000,000 lines; a data file holds at most 10,000,000", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var few = Assert.Throws<FormatException>(() => AssociativeRetrievalTask.ReadText(new StringReader("a1??a\t1\nb2??b\t2\nc3??c\t3\n"), "in", maxLines: 2));
        Assert.StartsWith("in:3: more than 2 lines", few.Message);
    }

    [Fact]
    public void EachTaskBoundsItsLines()
    {
        Assert.Contains("in:1: line longer than 128", Assert.Throws<FormatException>(() => AssociativeRetrievalTask.ReadText(new StringReader(new string('a', 200)), "in")).Message);
        // MQAR: four times the trained length of tokens, their digits, query marks and separators, and 256 to spare.
        Assert.Equal((4 * 16 * 4) + 256, MultiQueryAssociativeRecallText.MaxLineLength(16, 16));
        string mqar = Path.GetTempFileName();
        try
        {
            File.WriteAllText(mqar, "3 9 0 0 0 0 0 0 0 0 0 0 0 0 3 9\n" + string.Concat(Enumerable.Repeat("3 ", 300)) + "\n");
            var task = new MultiQueryAssociativeRecallTask(16, 16, 2, MqarQueryLayout.Answered);
            Assert.Contains($"{mqar}:2: line longer than 512 characters", Assert.Throws<FormatException>(() => task.ReadTextFile(mqar)).Message);
            var glimpses = new GlimpseTask("not-read", 0.1);
            File.WriteAllText(mqar, "1\t" + string.Concat(Enumerable.Repeat("255,", 800)) + "\n");
            Assert.Contains($"{mqar}:1: line longer than 3,200 characters", Assert.Throws<FormatException>(() => glimpses.ReadTextFile(mqar)).Message);
        }
        finally
        {
            File.Delete(mqar);
        }
    }

    [Fact]
    public void ExamplesBeyondTheMemoryLeftAreRefusedAtTheirLine()
    {
        string text = string.Concat(Enumerable.Range(0, 100).Select(_ => "a1b2??a\t1\n"));
        // Each example is 7 ids and 1 answer, counted 3 times over (list slack and the final copy): 96 bytes.
        var e = Assert.Throws<ArgumentException>(() => AssociativeRetrievalTask.ReadText(new StringReader(text), "in", maxBytes: 1000));
        Assert.StartsWith("in:11: the examples up to this line need about ", e.Message);
        Assert.Equal(100, AssociativeRetrievalTask.ReadText(new StringReader(text), "in", maxBytes: 100_000).Count);
        var mqar = Assert.Throws<ArgumentException>(() => MultiQueryAssociativeRecallText.Read(new StringReader("3 9 3 9\n3 9 3 9\n3 9 3 9\n"), 16, "m", maxBytes: 200));
        Assert.StartsWith("m:3: the examples", mqar.Message);
    }
}
