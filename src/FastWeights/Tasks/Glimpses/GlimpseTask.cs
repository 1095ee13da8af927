using System.Globalization;
using System.Text;

namespace FastWeights.Tasks.Glimpses;

/// <summary>
/// Classifying 28 × 28 grey-level images (MNIST, Fashion-MNIST) read from MNIST-format IDX files, as in Ba et al. 2016,
/// §4.2: a recurrent model sees the image as the fixed sequence of glimpses of <see cref="GlimpseSequence"/> and answers
/// from its last hidden state; the ConvNet baseline sees the whole image. An example is the image's H·W pixels as
/// grey-level tokens 0–255, row-major (the way pixel-level sequence models see an image), with its class as the one answer.
/// </summary>
public sealed class GlimpseTask : ISequenceTask
{
    private ImageSet? train;
    private ImageSet? test;

    /// <summary>Creates the task over the IDX files in <paramref name="dataDir"/>; throws <see cref="ArgumentException"/> naming the option when a setting is out of range.</summary>
    public GlimpseTask(string? dataDir, double validationFraction)
    {
        if (string.IsNullOrWhiteSpace(dataDir))
        {
            throw new ArgumentException("--task glimpses needs --data-dir: a directory of MNIST-format IDX files (for example /usr/share/datasets/fashion-mnist, or one made by 'fastweights data prepare mnist')");
        }
        if (!(validationFraction > 0 && validationFraction < 1))
        {
            throw new ArgumentException("--validation-fraction must be between 0 and 1 (exclusive)");
        }
        DataDir = dataDir;
        ValidationFraction = validationFraction;
    }

    /// <summary>The directory the images are read from.</summary>
    public string DataDir { get; }

    /// <summary>Fraction of the training file kept for validation (its last images).</summary>
    public double ValidationFraction { get; }

    /// <summary>The images' shape (28 × 28 for MNIST-format files).</summary>
    public static ImageShape Shape { get; } = new(GlimpseSequence.ImageSide, GlimpseSequence.ImageSide);

    /// <inheritdoc/>
    public string Name => "glimpses";

    /// <summary>256 grey levels.</summary>
    public int Vocabulary => 256;

    /// <inheritdoc/>
    public int Classes => 10;

    /// <summary>One token per pixel.</summary>
    public int Length => Shape.Pixels;

    /// <inheritdoc/>
    public TargetLayout Targets => TargetLayout.OnePerSequence;

    /// <inheritdoc/>
    public ImageShape? Image => Shape;

    /// <inheritdoc/>
    public string ScoredName => "images";

    /// <inheritdoc/>
    public string AccuracyName => "accuracy";

    /// <summary>
    /// The splits: validation is the last ⌈fraction · N⌉ images of the training file (fixed, whatever the seed), train the
    /// first of the others (at most <paramref name="trainSize"/>), test the first images of the t10k file (at most
    /// <paramref name="testSize"/>; never used for choices). The seed does not enter: the files fix the data.
    /// </summary>
    public DataSplits Generate(ulong seed, int trainSize, int validationSize, int testSize)
    {
        train ??= Check(ImageSet.Load(DataDir, ImageSet.FilePrefixes[0]));
        test ??= Check(ImageSet.Load(DataDir, ImageSet.FilePrefixes[1]));
        int validation = (int)Math.Ceiling(ValidationFraction * train.Count);
        int rest = train.Count - validation;
        if (rest < 1)
        {
            throw new ArgumentException($"{DataDir}: {train.Count} training images leave none to train on after the validation split (--validation-fraction {ValidationFraction})");
        }
        return new DataSplits(
            Dataset(train, 0, Math.Min(trainSize, rest)),
            Dataset(train, rest, Math.Min(validationSize, validation)),
            Dataset(test, 0, Math.Min(testSize, test.Count)));
    }

    /// <summary>The images <paramref name="start"/> … start + count − 1 of a set as examples.</summary>
    public static TokenDataset Dataset(ImageSet images, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(images);
        var ids = new int[count * images.Height * images.Width];
        var labels = new int[count];
        var pixels = images.Pixels.AsSpan(start * images.Height * images.Width, ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = pixels[i];
        }
        for (int i = 0; i < count; i++)
        {
            labels[i] = images.Labels[start + i];
        }
        return new TokenDataset(ids, labels, images.Height * images.Width);
    }

    /// <summary>An image as users give it: a PGM file (P2 or P5) of 28 × 28 grey levels, or H·W grey levels 0–255 separated by commas or spaces.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (File.Exists(text))
        {
            return Pgm.Read(text, Shape);
        }
        var parts = text.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != Length)
        {
            throw new FormatException($"an image is a PGM file of {Shape.Height}×{Shape.Width} grey levels or {Length} grey levels 0-255; got {parts.Length} values (and no such file)");
        }
        var ids = new int[Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]) || ids[i] > 255)
            {
                throw new FormatException($"grey level {i} ('{parts[i]}') is not an integer 0-255");
            }
        }
        return ids;
    }

    /// <summary>The image's grey levels, a row per line.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder();
        for (int r = 0; r < Shape.Height; r++)
        {
            for (int c = 0; c < Shape.Width; c++)
            {
                sb.Append(c == 0 ? string.Empty : " ").Append(ids[(r * Shape.Width) + c].ToString(CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The answer (the class) is not in the pixels: an image alone scores nothing.</summary>
    public int DeriveTargets(ReadOnlySpan<int> ids, Span<int> targets)
    {
        targets.Fill(TokenDataset.IgnoreIndex);
        return 0;
    }

    /// <summary>One image per line: its class, a tab, its H·W grey levels separated by commas.</summary>
    public void WriteTextFile(TokenDataset data, string path)
    {
        ArgumentNullException.ThrowIfNull(data);
        Training.AtomicFile.WriteText(path, w =>
        {
            for (int i = 0; i < data.Count; i++)
            {
                w.Write(data.TargetsOf(i)[0].ToString(CultureInfo.InvariantCulture));
                w.Write('\t');
                w.Write(string.Join(',', data.Sequence(i).ToArray()));
                w.Write('\n');
            }
        });
    }

    /// <summary>The longest line of a data file: the class, a tab, and the H·W grey levels of up to 3 digits and a comma each, with room to spare.</summary>
    public int MaxLineLength => (4 * Length) + 64;

    /// <summary>Reads a split written by <see cref="WriteTextFile"/>, within the bounds of <see cref="TextDataFile"/> (lines of at most <see cref="MaxLineLength"/> characters).</summary>
    public TokenDataset ReadTextFile(string path, double maxBytes = double.PositiveInfinity)
    {
        var ids = new List<int>();
        var labels = new List<int>();
        using var reader = new StreamReader(path, Encoding.UTF8);
        foreach (var (lineNumber, line) in TextDataFile.Lines(reader, path, MaxLineLength))
        {
            if (line.Length == 0)
            {
                continue;
            }
            int tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 || !int.TryParse(line.AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out int label) || label > 9)
            {
                throw new FormatException($"{path}:{lineNumber}: expected 'class<TAB>grey levels' with a class 0-9");
            }
            try
            {
                ids.AddRange(Encode(line[(tab + 1)..]));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{path}:{lineNumber}: {e.Message}", e);
            }
            labels.Add(label);
            TextDataFile.CheckMemory(ids.Count + labels.Count, maxBytes, path, lineNumber);
        }
        return new TokenDataset([.. ids], [.. labels], Length);
    }

    private static ImageSet Check(ImageSet set) =>
        set.Height == Shape.Height && set.Width == Shape.Width ? set
        : throw new FormatException($"images of {set.Height}×{set.Width} pixels; the glimpse task reads {Shape.Height}×{Shape.Width} images");
}
