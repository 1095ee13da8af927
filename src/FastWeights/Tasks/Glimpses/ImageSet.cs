namespace FastWeights.Tasks.Glimpses;

/// <summary>
/// Labelled grey-level images, as MNIST-format IDX files hold them: <see cref="Count"/> images of
/// <see cref="Height"/> × <see cref="Width"/> bytes (0 = background, 255 = ink) row-major, and one label per image.
/// </summary>
/// <param name="Pixels">Every image's bytes, image after image.</param>
/// <param name="Labels">One class per image.</param>
/// <param name="Height">Rows per image.</param>
/// <param name="Width">Columns per image.</param>
public sealed record ImageSet(byte[] Pixels, byte[] Labels, int Height, int Width)
{
    /// <summary>The two splits the files of a data directory hold: <c>train</c> and <c>t10k</c> (the test images).</summary>
    public static readonly string[] FilePrefixes = ["train", "t10k"];

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);

    /// <summary>
    /// Loads <c>{prefix}-images-idx3-ubyte</c> and <c>{prefix}-labels-idx1-ubyte</c> (each with or without <c>.gz</c>) from
    /// <paramref name="dir"/>; throws <see cref="FileNotFoundException"/> naming what is missing, or
    /// <see cref="FormatException"/> naming the file when its contents are wrong or the two files disagree.
    /// </summary>
    public static ImageSet Load(string dir, string prefix)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"data directory '{dir}' not found (give --data-dir a directory of MNIST-format IDX files; 'fastweights data prepare mnist' makes one)");
        }
        string imagesPath = Find(dir, $"{prefix}-images-idx3-ubyte");
        string labelsPath = Find(dir, $"{prefix}-labels-idx1-ubyte");
        var (imageSizes, pixels) = IdxFile.Read(imagesPath);
        var (labelSizes, labels) = IdxFile.Read(labelsPath);
        if (imageSizes.Length != 3)
        {
            throw new FormatException($"{imagesPath}: images need 3 IDX dimensions (count, rows, columns), the file has {imageSizes.Length}");
        }
        if (labelSizes.Length != 1)
        {
            throw new FormatException($"{labelsPath}: labels need 1 IDX dimension, the file has {labelSizes.Length}");
        }
        if (imageSizes[0] != labelSizes[0])
        {
            throw new FormatException($"{labelsPath}: {labelSizes[0]} labels for the {imageSizes[0]} images of {Path.GetFileName(imagesPath)}");
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > 9)
            {
                throw new FormatException($"{labelsPath}: label {labels[i]} of image {i} is not a class 0-9");
            }
        }
        return new ImageSet(pixels, labels, imageSizes[1], imageSizes[2]);
    }

    /// <summary>Writes the set as <c>{prefix}-images-idx3-ubyte.gz</c> and <c>{prefix}-labels-idx1-ubyte.gz</c> in <paramref name="dir"/>.</summary>
    public void Save(string dir, string prefix)
    {
        Directory.CreateDirectory(dir);
        IdxFile.Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), [Count, Height, Width], Pixels);
        IdxFile.Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), [Count], Labels);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Select(ReadOnlySpan<int> indices)
    {
        int size = Height * Width;
        var pixels = new byte[indices.Length * size];
        var labels = new byte[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = Labels[indices[i]];
        }
        return new ImageSet(pixels, labels, Height, Width);
    }

    private static string Find(string dir, string name)
    {
        foreach (string candidate in new[] { name, name + ".gz" })
        {
            string path = Path.Combine(dir, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException($"{Path.Combine(dir, name)}[.gz] not found (an MNIST-format data directory holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, optionally gzipped)");
    }
}
