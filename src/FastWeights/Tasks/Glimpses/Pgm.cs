using System.Globalization;
using System.Text;

namespace FastWeights.Tasks.Glimpses;

/// <summary>Netpbm grey-level images (PGM): <c>P2</c> (plain text) and <c>P5</c> (binary), maxval at most 255.</summary>
public static class Pgm
{
    /// <summary>
    /// Reads a PGM file of exactly <paramref name="shape"/>'s size as grey levels 0–255 (scaled from its maxval); throws
    /// <see cref="FormatException"/> naming the file when it is not one.
    /// </summary>
    public static int[] Read(string path, ImageShape shape)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int pos = 0;
        string magic = Token(bytes, ref pos, path);
        if (magic is not ("P2" or "P5"))
        {
            throw new FormatException($"{path}: not a PGM image (starts '{magic}', expected P2 or P5); give a {shape.Height}×{shape.Width} grey-level PGM file");
        }
        int width = Number(bytes, ref pos, path), height = Number(bytes, ref pos, path), maxval = Number(bytes, ref pos, path);
        if (width != shape.Width || height != shape.Height)
        {
            throw new FormatException($"{path}: a {width}×{height} image; expected {shape.Width}×{shape.Height}");
        }
        if (maxval is < 1 or > 255)
        {
            throw new FormatException($"{path}: PGM maxval {maxval} (1 to 255 are read)");
        }
        var ids = new int[shape.Pixels];
        if (magic == "P5")
        {
            pos++; // the one whitespace byte after maxval
            if (bytes.Length - pos < ids.Length)
            {
                throw new FormatException($"{path}: truncated: {bytes.Length - pos} pixel bytes for {ids.Length} pixels");
            }
        }
        for (int i = 0; i < ids.Length; i++)
        {
            int v = magic == "P5" ? bytes[pos++] : Number(bytes, ref pos, path);
            if (v > maxval)
            {
                throw new FormatException($"{path}: pixel {i} is {v}, above maxval {maxval}");
            }
            ids[i] = (int)Math.Round(v * 255.0 / maxval);
        }
        return ids;
    }

    /// <summary>Writes grey levels 0–255 as a binary PGM (P5).</summary>
    public static void Write(string path, ReadOnlySpan<int> greyLevels, ImageShape shape)
    {
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes($"P5\n{shape.Width} {shape.Height}\n255\n"));
        foreach (int v in greyLevels)
        {
            file.WriteByte((byte)Math.Clamp(v, 0, 255));
        }
    }

    private static int Number(byte[] bytes, ref int pos, string path)
    {
        string token = Token(bytes, ref pos, path);
        return int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v : throw new FormatException($"{path}: '{token}' in the PGM header or pixels is not a number");
    }

    // The next whitespace-separated token, skipping '#' comments.
    private static string Token(byte[] bytes, ref int pos, string path)
    {
        while (pos < bytes.Length && (char.IsWhiteSpace((char)bytes[pos]) || bytes[pos] == '#'))
        {
            if (bytes[pos] == '#')
            {
                while (pos < bytes.Length && bytes[pos] != '\n')
                {
                    pos++;
                }
            }
            else
            {
                pos++;
            }
        }
        int start = pos;
        while (pos < bytes.Length && !char.IsWhiteSpace((char)bytes[pos]))
        {
            pos++;
        }
        return pos > start ? Encoding.ASCII.GetString(bytes, start, pos - start) : throw new FormatException($"{path}: truncated PGM file");
    }
}
