using System.Text;
using FastWeights.Tasks;
using FastWeights.Tasks.LanguageModelling;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Tests.Tasks.LanguageModelling;

/// <summary>The byte-level language-modelling task: splits and windows, bits per byte, bad files, the Bible corpus.</summary>
public sealed class LanguageModelTaskTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("fw-lm-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private string Text(string name, string content)
    {
        string path = Path.Combine(root, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public void SplitsAreContiguous90_5_5AndWindowsPredictTheNextByte()
    {
        string text = string.Concat(Enumerable.Range(0, 1000).Select(i => (char)('a' + (i % 26))));
        var splits = TextSplits.Read(Text("a.txt", text), 8);
        Assert.Equal(900, splits.ValidationStart);
        Assert.Equal(950, splits.TestStart);
        Assert.Equal((900, 50, 50), (splits.Train.Length, splits.Validation.Length, splits.Test.Length));

        // 50 tokens make (50 − 1) / 8 = 6 non-overlapping windows; window k reads x[8k … 8k+8) and predicts x[8k+1 … 8k+9).
        var test = TextSplits.Windows(splits.Test.Span, 8);
        Assert.Equal(6, test.Count);
        Assert.Equal(text[950 + 8], (char)test.Sequence(1)[0]);
        Assert.Equal(text[950 + 9], (char)test.TargetsOf(1)[0]);
        Assert.Equal(text[950 + 48], (char)test.TargetsOf(5)[^1]);

        var train = TextSplits.RandomWindows(splits.Train.Span, 8, 500, new Rng(3));
        for (int k = 0; k < train.Count; k++)
        {
            var x = train.Sequence(k);
            var y = train.TargetsOf(k);
            for (int i = 0; i < 8; i++)
            {
                Assert.Equal((x[i] - 'a' + 1) % 26, y[i] - 'a'); // the next letter
            }
        }
        Assert.Equal(train.Inputs, TextSplits.RandomWindows(splits.Train.Span, 8, 500, new Rng(3)).Inputs);
    }

    [Fact]
    public void BitsPerByteIsTheLossInNatsOverLn2()
    {
        var task = new LanguageModelTask("unused.txt", 4);
        // A model that gives every byte probability 1/256 has loss ln 256 nats: 8 bits per byte, perplexity 256.
        var measures = task.Measures(new EvaluationResult(Math.Log(256), 0, 10)).ToDictionary(m => m.Key, m => m.Value);
        Assert.Equal(8.0, measures["bits_per_byte"], 12);
        Assert.Equal(256.0, measures["perplexity"], 9);
        // Half of the bytes at p = 1, half at p = 1/4: loss ½ ln 4 = ln 2 nats, 1 bit per byte.
        Assert.Equal(1.0, task.Measures(new EvaluationResult(0.5 * Math.Log(4), 0, 2)).First().Value, 12);
    }

    [Fact]
    public void TextRoundTripsThroughBytesMultiByteCharactersIncluded()
    {
        var task = new LanguageModelTask("unused.txt", 4);
        const string text = "In the beginning — Ελληνικά, 日本語 🙂";
        var ids = task.Encode(text);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), ids.Length);
        Assert.All(ids, id => Assert.InRange(id, 0, 255));
        Assert.Equal(text, task.Decode(ids));
        var targets = new int[ids.Length];
        Assert.Equal(ids.Length - 1, task.DeriveTargets(ids, targets));
        Assert.Equal(ids[1], targets[0]);
        Assert.Equal(TokenDataset.IgnoreIndex, targets[^1]);
    }

    /// <summary>
    /// The char tokenizer: its vocabulary is the training text's characters in code-point order after the unknown id 0;
    /// a text of those characters round-trips, multi-byte ones included, each token standing for its UTF-8 bytes; a
    /// character outside the vocabulary takes id 0 (its bytes still counted) and decodes to U+FFFD.
    /// </summary>
    [Fact]
    public void CharactersRoundTripAndUnknownOnesTakeTheReservedId()
    {
        var chars = CharTokenizer.FromText(Encoding.UTF8.GetBytes("ab —日本 ab"));
        Assert.Equal(1 + 6, chars.Vocabulary); // ' ', 'a', 'b', '—', '日', '本'
        Assert.Equal(1, chars.Find(new Rune(' ')));
        Assert.Equal(6, chars.Find(new Rune('本')));
        const string known = "本 — ba";
        var (ids, bytes) = chars.Encode(Encoding.UTF8.GetBytes(known));
        Assert.Equal(known.EnumerateRunes().Count(), ids.Length);
        Assert.DoesNotContain(CharTokenizer.UnknownId, ids);
        Assert.Equal([3, 1, 3, 1, 1, 1], bytes);
        Assert.Equal(known, Encoding.UTF8.GetString([.. ids.SelectMany(chars.Bytes)]));

        var (unknownIds, unknownBytes) = chars.Encode(Encoding.UTF8.GetBytes("aé"));
        Assert.Equal([2, CharTokenizer.UnknownId], unknownIds);
        Assert.Equal([1, 2], unknownBytes);
        Assert.True(chars.IsUnknown(unknownIds[1]));
    }

    [Fact]
    public void BadFilesAreOneLineErrors()
    {
        Assert.Contains("needs --data FILE", Assert.Throws<ArgumentException>(() => new LanguageModelTask(null, 8)).Message);
        Assert.Contains("--context must be at least 1", Assert.Throws<ArgumentException>(() => new LanguageModelTask("x", 0)).Message);
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => TextSplits.Read(Path.Combine(root, "missing.txt"), 8)).Message);
        Assert.Contains("is a directory", Assert.Throws<ArgumentException>(() => TextSplits.Read(root, 8)).Message);
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => TextSplits.Read(Text("empty.txt", ""), 8)).Message);
        // 100 bytes: 5-byte validation and test splits cannot hold one window of 8 + 1 tokens.
        var e = Assert.Throws<ArgumentException>(() => TextSplits.Read(Text("short.txt", new string('x', 100)), 8));
        Assert.Contains("shorter than one window of --context 8 + 1", e.Message);
        Assert.Contains("at least 181 bytes", e.Message);
        TextSplits.Read(Text("enough.txt", new string('x', 181)), 8);
        var other = new LanguageModelTask("unused.txt", 8);
        Assert.Contains("fewer than one window", Assert.Throws<FormatException>(() => other.ReadTextFile(Text("tiny.txt", "abc"))).Message);
    }

    [Fact]
    public void TheBibleCorpusIsEveryVerseWithoutItsReference()
    {
        Assert.Equal("In the beginning God created the heaven and the earth.", BibleText.Verse("Ge1:1 In the beginning God created the heaven and the earth."));
        Assert.Equal("Jesus wept.", BibleText.Verse("Joh11:35 Jesus wept."));
        Assert.Null(BibleText.Verse(""));
        Assert.Null(BibleText.Verse("not a verse"));
        string path = Path.Combine(root, "kjv.txt");
        var (verses, bytes) = BibleText.Write(path); // Debian's bible-kjv, which CI installs
        Assert.Equal(31_102, verses);
        Assert.Equal(new FileInfo(path).Length, bytes);
        var lines = File.ReadAllLines(path);
        Assert.Equal("In the beginning God created the heaven and the earth.", lines[0]);
        Assert.Equal("The grace of our Lord Jesus Christ be with you all. Amen.", lines[^1]);
        Assert.Contains("bible-kjv", Assert.Throws<ArgumentException>(() => BibleText.Write(path, "no-such-bible-program")).Message);
    }
}
