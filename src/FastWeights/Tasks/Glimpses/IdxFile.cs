using System.Buffers.Binary;
using System.IO.Compression;
using FastWeights.Training;

namespace FastWeights.Tasks.Glimpses;

/// <summary>
/// The IDX format MNIST and Fashion-MNIST ship in (LeCun et al.): a big-endian magic number 0x0000TTDD (TT the element
/// type, 0x08 for unsigned bytes; DD the number of dimensions), DD big-endian 32-bit sizes, then the elements row-major.
/// Files may be gzip-compressed (<c>.gz</c>, recognised by their content). Only unsigned-byte files are read or written.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>
    /// Reads an unsigned-byte IDX file: its sizes and its elements. A file that is not one (wrong magic number, sizes
    /// that do not match the data, truncated or trailing bytes) throws <see cref="FormatException"/> naming the file.
    /// </summary>
    public static (int[] Sizes, byte[] Data) Read(string path)
    {
        byte[] bytes = ReadAllBytes(path);
        string name = Path.GetFileName(path);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
        {
            throw new FormatException($"{path}: not an IDX file (wrong magic number)");
        }
        if (bytes[2] != UnsignedByte)
        {
            throw new FormatException($"{path}: IDX element type 0x{bytes[2]:x2} is not unsigned bytes (0x08)");
        }
        int rank = bytes[3];
        if (rank is < 1 or > 4)
        {
            throw new FormatException($"{path}: IDX file with {rank} dimensions (expected 1 to 4)");
        }
        int header = 4 + (4 * rank);
        if (bytes.Length < header)
        {
            throw new FormatException($"{path}: truncated IDX header ({bytes.Length} bytes)");
        }
        var sizes = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            if (size > int.MaxValue)
            {
                throw new FormatException($"{path}: IDX size {size} of dimension {d} is too large");
            }
            sizes[d] = (int)size;
            count *= size;
        }
        long have = bytes.Length - header;
        if (have != count)
        {
            string what = have < count ? "truncated" : "has trailing bytes";
            throw new FormatException($"{path}: {what}: its sizes {string.Join('×', sizes)} need {count} bytes of data, the file holds {have} ({name})");
        }
        return (sizes, bytes.AsSpan(header).ToArray());
    }

    /// <summary>Writes an unsigned-byte IDX file (gzip-compressed when the name ends in <c>.gz</c>), atomically.</summary>
    public static void Write(string path, ReadOnlySpan<int> sizes, ReadOnlySpan<byte> data)
    {
        long count = 1;
        foreach (int s in sizes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(s);
            count *= s;
        }
        if (count != data.Length || sizes.Length is < 1 or > 4)
        {
            throw new ArgumentException($"IDX sizes {string.Join('×', sizes.ToArray())} do not match {data.Length} bytes of data");
        }
        var header = new byte[4 + (4 * sizes.Length)];
        header[2] = UnsignedByte;
        header[3] = (byte)sizes.Length;
        for (int d = 0; d < sizes.Length; d++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + (4 * d)), (uint)sizes[d]);
        }
        byte[] bytes = data.ToArray();
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        AtomicFile.Write(path, file =>
        {
            if (!gzip)
            {
                file.Write(header);
                file.Write(bytes);
                return;
            }
            using var gz = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
            gz.Write(header);
            gz.Write(bytes);
        });
    }

    // The file's bytes, decompressed when it is gzip (magic 1f 8b); a broken gzip stream is a format error.
    private static byte[] ReadAllBytes(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
        {
            return raw;
        }
        try
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{path}: broken gzip data ({e.Message})", e);
        }
    }
}
