using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FastWeights.Tensors;

namespace FastWeights.Serialization;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian unsigned header length N, N bytes of UTF-8 JSON
/// <c>{"__metadata__":{..},"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},..}</c> padded with
/// spaces to a multiple of 8, then the tensors' raw little-endian bytes packed without gaps (offsets are
/// relative to the end of the header).
/// <para>
/// The writer follows the reference implementation byte for byte: compact JSON, <c>__metadata__</c> first,
/// tensors sorted by name (UTF-8 byte order), space padding. It writes float32 only. The reader validates the
/// whole header before touching data and reports any defect of a file's content as a
/// <see cref="CheckpointFormatException"/> naming the file; besides it, the readers throw only
/// <see cref="CheckpointMismatchException"/> (<see cref="LoadInto"/>, a well-formed file that does not fit the targets),
/// <see cref="IOException"/> and <see cref="UnauthorizedAccessException"/> (the file cannot be opened or read) and
/// <see cref="ArgumentException"/> (invalid arguments).
/// </para>
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>Largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Writes <paramref name="tensors"/> (as F32) and <paramref name="metadata"/> to <paramref name="path"/>
    /// atomically: the bytes go to a temporary file in the same directory, which is flushed to disk and then
    /// renamed over <paramref name="path"/>. On failure the old file (if any) is untouched and the temporary
    /// file is deleted.
    /// </summary>
    /// <param name="path">Destination file.</param>
    /// <param name="tensors">Name/tensor pairs; names must be distinct and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Optional string-to-string metadata stored under <c>__metadata__</c>.</param>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        => SaveCore(path, tensors, metadata, beforeCommit: null);

    /// <summary>The bytes <see cref="Save"/> would write, in memory.</summary>
    /// <param name="tensors">Name/tensor pairs; names must be distinct and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Optional string-to-string metadata stored under <c>__metadata__</c>.</param>
    public static byte[] Serialize(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (header, entries) = Prepare(tensors, metadata);
        using var ms = new MemoryStream();
        WriteAll(ms, header, entries);
        return ms.ToArray();
    }

    /// <summary>The writer, with a hook run after all bytes are written to the temporary file (tests inject failures here).</summary>
    internal static void SaveCore(
        string path,
        IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata,
        Action<string>? beforeCommit)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (header, entries) = Prepare(tensors, metadata);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        string tempPath = Path.Combine(directory, TemporaryFileName(Path.GetFileName(fullPath)));
        try
        {
            using (var fs = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteAll(fs, header, entries);
                fs.Flush(flushToDisk: true);
            }
            beforeCommit?.Invoke(tempPath);
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    // ".model.safetensors.<32 lowercase hex digits>.tmp": hidden, beside the target, unique to the save.
    private static string TemporaryFileName(string fileName) => $".{fileName}.{Guid.NewGuid():N}.tmp";

    /// <summary>
    /// Whether <paramref name="candidate"/> is the name of a temporary file <see cref="Save"/> writes for
    /// <paramref name="fileName"/> (<c>.{fileName}.{32 lowercase hex digits}.tmp</c>), as a save killed before its rename leaves it.
    /// </summary>
    internal static bool IsTemporaryFileOf(string candidate, string fileName)
    {
        string prefix = "." + fileName + ".";
        const string suffix = ".tmp";
        if (candidate.Length != prefix.Length + 32 + suffix.Length
            || !candidate.StartsWith(prefix, StringComparison.Ordinal) || !candidate.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }
        foreach (char c in candidate.AsSpan(prefix.Length, 32))
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }
        return true;
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Validates the inputs and builds the padded header; returns it with the tensors in file order.</summary>
    private static (byte[] Header, List<(string Name, Tensor Tensor)> Entries) Prepare(
        IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<(byte[] Key, string Name, Tensor Tensor)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, "tensor name");
            if (tensor is null)
            {
                throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            }
            if (name == MetadataKey)
            {
                throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            }
            if (!seen.Add(name))
            {
                throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
            }
            entries.Add((EncodeName(name), name, tensor));
        }

        // Reference order: descending dtype alignment (all F32 here), then name in byte order.
        entries.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));

        var json = new StringBuilder();
        json.Append('{');
        bool first = true;
        if (metadata is not null)
        {
            var pairs = new List<(byte[] Key, string Name, string Value)>();
            foreach (var (key, value) in metadata)
            {
                ArgumentNullException.ThrowIfNull(value, $"metadata value of '{key}'");
                EncodeName(value);
                pairs.Add((EncodeName(key), key, value));
            }
            pairs.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
            AppendString(json, MetadataKey);
            json.Append(":{");
            for (int i = 0; i < pairs.Count; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }
                AppendString(json, pairs[i].Name);
                json.Append(':');
                AppendString(json, pairs[i].Value);
            }
            json.Append('}');
            first = false;
        }

        long offset = 0;
        foreach (var (_, name, tensor) in entries)
        {
            if (!first)
            {
                json.Append(',');
            }
            first = false;
            long end = offset + (4L * tensor.Length);
            AppendString(json, name);
            json.Append(":{\"dtype\":\"F32\",\"shape\":[");
            var shape = tensor.Shape;
            for (int i = 0; i < shape.Length; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }
                json.Append(shape[i].ToString(CultureInfo.InvariantCulture));
            }
            json.Append("],\"data_offsets\":[");
            json.Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',').Append(end.ToString(CultureInfo.InvariantCulture));
            json.Append("]}");
            offset = end;
        }
        json.Append('}');

        // Pad with spaces so the data starts 8-byte aligned.
        int byteCount = StrictUtf8.GetByteCount(json.ToString());
        json.Append(' ', (8 - (byteCount % 8)) % 8);
        byte[] header = StrictUtf8.GetBytes(json.ToString());
        return (header, entries.Select(e => (e.Name, e.Tensor)).ToList());
    }

    private static byte[] EncodeName(string text)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"'{text}' is not valid Unicode (unpaired surrogate) and cannot be stored as UTF-8.", e);
        }
    }

    /// <summary>Appends a JSON string escaped as serde_json does: quote, backslash and control characters only.</summary>
    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    private static void WriteAll(Stream stream, byte[] header, List<(string Name, Tensor Tensor)> entries)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var (_, tensor) in entries)
        {
            WriteFloats(stream, tensor.Span);
        }
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<int> chunk = new int[Math.Min(values.Length, 16384)];
        for (int start = 0; start < values.Length; start += chunk.Length)
        {
            var part = MemoryMarshal.Cast<float, int>(values.Slice(start, Math.Min(chunk.Length, values.Length - start)));
            BinaryPrimitives.ReverseEndianness(part, chunk[..part.Length]);
            stream.Write(MemoryMarshal.AsBytes(chunk[..part.Length]));
        }
    }

    /// <summary>Reads and validates the header of <paramref name="path"/> without reading tensor data.</summary>
    /// <exception cref="CheckpointFormatException">The file is truncated, corrupt or unsupported.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (for example <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var fs = OpenRead(path);
        try
        {
            return ReadHeader(fs, path);
        }
        catch (Exception e) when (IsUnforeseen(e))
        {
            throw Unforeseen(path, e);
        }
    }

    /// <summary>
    /// Reads every tensor of <paramref name="path"/>, converted to float32 (F16, BF16 and F64 are rounded
    /// as usual; integer and BOOL tensors are accepted when every value is exactly representable).
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is truncated, corrupt or unsupported.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (for example <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public static SafeTensorsContent Load(string path)
    {
        using var fs = OpenRead(path);
        try
        {
            var header = ReadHeader(fs, path);
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var info in header.Tensors)
            {
                var tensor = Tensor.Zeros([.. info.Shape]);
                tensor.Name = info.Name;
                ReadData(fs, path, header, info, tensor.Span);
                tensors.Add(info.Name, tensor);
            }
            return new SafeTensorsContent(header, tensors);
        }
        catch (Exception e) when (IsUnforeseen(e))
        {
            throw Unforeseen(path, e);
        }
    }

    /// <summary>
    /// Copies the tensors of <paramref name="path"/> into existing tensors (for example a model's parameters)
    /// after checking, before anything is modified, that every target has a tensor of the same name and shape
    /// with a floating-point dtype in the file and, when <paramref name="strict"/>, that the file holds no other
    /// tensor. Without <paramref name="strict"/>, targets missing from the file keep their values and extra
    /// tensors in the file are ignored; shapes and dtypes are checked in both modes.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="targets">Name/tensor pairs to fill; names must be distinct.</param>
    /// <param name="strict">Whether the names of the file and of <paramref name="targets"/> must match exactly.</param>
    /// <returns>The file's metadata.</returns>
    /// <exception cref="CheckpointFormatException">The file is truncated, corrupt or unsupported.</exception>
    /// <exception cref="CheckpointMismatchException">The file does not fit the targets; the message names each mismatching tensor.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (for example <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or <paramref name="targets"/> holds a null tensor or a name twice.</exception>
    public static IReadOnlyDictionary<string, string> LoadInto(string path, IReadOnlyList<KeyValuePair<string, Tensor>> targets, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, target) in targets)
        {
            ArgumentNullException.ThrowIfNull(target, name);
            if (!wanted.Add(name))
            {
                throw new ArgumentException($"Target name '{name}' appears twice.", nameof(targets));
            }
        }
        using var fs = OpenRead(path);
        try
        {
            return CheckAndCopy(fs, path, targets, wanted, strict);
        }
        catch (Exception e) when (IsUnforeseen(e))
        {
            throw Unforeseen(path, e);
        }
    }

    private static IReadOnlyDictionary<string, string> CheckAndCopy(FileStream fs, string path, IReadOnlyList<KeyValuePair<string, Tensor>> targets, HashSet<string> wanted, bool strict)
    {
        var header = ReadHeader(fs, path);
        var inFile = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var matches = new List<(SafeTensorsTensorInfo Info, Tensor Target)>();
        foreach (var (name, target) in targets)
        {
            if (!inFile.TryGetValue(name, out var info))
            {
                if (strict)
                {
                    problems.Add($"missing tensor '{Printable(name)}' (in the model, not in the file)");
                }
                continue;
            }
            if (!info.Shape.SequenceEqual(target.ShapeArray()))
            {
                problems.Add($"tensor '{Printable(name)}' has shape {ShapeUtil.Format([.. info.Shape])} in the file but {ShapeUtil.Format(target.Shape)} in the model");
            }
            else if (info.DType is not (SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F64))
            {
                problems.Add($"tensor '{Printable(name)}' has dtype {info.DType} in the file but the model needs a floating-point tensor (F32)");
            }
            else
            {
                matches.Add((info, target));
            }
        }
        if (strict)
        {
            foreach (var info in header.Tensors)
            {
                if (!wanted.Contains(info.Name))
                {
                    problems.Add($"unexpected tensor '{Printable(info.Name)}' (in the file, not in the model)");
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new CheckpointMismatchException(path, problems);
        }
        foreach (var (info, target) in matches.OrderBy(m => m.Info.DataBegin))
        {
            ReadData(fs, path, header, info, target.Span);
        }
        return header.Metadata;
    }

    // Whatever else goes wrong while reading an opened file is a defect of its content this reader did not foresee (a
    // library's exception from deep inside the parser, say): it still gets the checkpoint-format error naming the file.
    private static bool IsUnforeseen(Exception e) => e is not (CheckpointFormatException or CheckpointMismatchException
        or IOException or UnauthorizedAccessException or OutOfMemoryException);

    private static CheckpointFormatException Unforeseen(string path, Exception e)
        => new(path, $"it could not be read ({e.GetType().Name}: {e.Message})", e);

    private static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static string Printable(string name) => PrintableText.Escape(name);

    private static SafeTensorsHeader ReadHeader(FileStream fs, string path)
    {
        long fileLength = fs.Length;
        if (fileLength < 8)
        {
            throw new CheckpointFormatException(path, $"the file has {fileLength} bytes, fewer than the 8-byte header length.");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(fs, path, lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
        {
            throw new CheckpointFormatException(path, $"header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes.");
        }
        if (8 + (long)headerLength > fileLength)
        {
            throw new CheckpointFormatException(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes).");
        }
        var headerBytes = new byte[headerLength];
        ReadExactly(fs, path, headerBytes);
        long dataStart = 8 + (long)headerLength;
        var (tensors, metadata) = ParseHeader(headerBytes, path);

        // Validate offsets as the reference does: sorted by offsets, the tensors tile [0, data length) exactly.
        tensors.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        long dataLength = fileLength - dataStart;
        long position = 0;
        foreach (var t in tensors)
        {
            if (t.DataBegin != position || t.DataEnd < t.DataBegin)
            {
                string why = t.DataEnd < t.DataBegin ? "ends before it begins"
                    : t.DataBegin < position ? "overlaps the previous tensor" : "leaves a gap after the previous tensor";
                throw new CheckpointFormatException(path, $"tensor '{Printable(t.Name)}' has data_offsets [{t.DataBegin}, {t.DataEnd}] which {why} (expected to begin at {position}).");
            }
            long expectedBytes = (long)t.ElementCount * ElementSize(t.DType);
            if (t.DataEnd - t.DataBegin != expectedBytes)
            {
                throw new CheckpointFormatException(path, $"tensor '{Printable(t.Name)}' ({t.DType}, shape {ShapeUtil.Format([.. t.Shape])}) needs {expectedBytes} bytes but its data_offsets span {t.DataEnd - t.DataBegin}.");
            }
            position = t.DataEnd;
        }
        if (position != dataLength)
        {
            throw new CheckpointFormatException(path, $"the tensors cover {position} data bytes but the file has {dataLength} after the header (truncated or trailing bytes).");
        }
        return new SafeTensorsHeader(tensors, metadata, dataStart);
    }

    private static (List<SafeTensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(byte[] headerBytes, string path)
    {
        try
        {
            _ = StrictUtf8.GetCharCount(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CheckpointFormatException(path, "the header is not valid UTF-8.", e);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"the header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            try
            {
                DecodeEveryString(root);
            }
            catch (InvalidOperationException e)
            {
                throw new CheckpointFormatException(path, $"the header is not valid JSON: a string escape is not valid UTF-16 (a lone surrogate such as \\udc00): {e.Message}", e);
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, $"the header is a JSON {root.ValueKind}, not an object.");
            }
            var tensors = new List<SafeTensorsTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new CheckpointFormatException(path, $"the header has key '{Printable(property.Name)}' twice.");
                }
                if (property.Name == MetadataKey)
                {
                    ParseMetadata(property.Value, metadata, path);
                }
                else
                {
                    tensors.Add(ParseTensorInfo(property.Name, property.Value, path));
                }
            }
            return (tensors, metadata);
        }
    }

    // System.Text.Json checks the syntax of escapes while parsing but decodes a string only when it is read, and then
    // throws InvalidOperationException for a lone UTF-16 surrogate such as \udc00 (which serde_json rejects as invalid
    // JSON); even looking a key up decodes the keys beside it. Reading every key and string once finds them all.
    private static void DecodeEveryString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    DecodeEveryString(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    DecodeEveryString(item);
                }
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> into, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, $"'{MetadataKey}' is a JSON {value.ValueKind}, not an object of strings.");
        }
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, $"metadata '{Printable(entry.Name)}' is a JSON {entry.Value.ValueKind}, not a string.");
            }
            if (!into.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new CheckpointFormatException(path, $"metadata key '{Printable(entry.Name)}' appears twice.");
            }
        }
    }

    private static SafeTensorsTensorInfo ParseTensorInfo(string name, JsonElement value, string path)
    {
        string what = $"tensor '{Printable(name)}'";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, $"{what} is described by a JSON {value.ValueKind}, not an object.");
        }
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointFormatException(path, $"{what} has no string 'dtype'.");
        }
        string dtypeText = dtypeElement.GetString()!;
        if (!TryParseDType(dtypeText, out var dtype))
        {
            throw new CheckpointFormatException(path, $"{what} has dtype '{Printable(dtypeText)}', which this reader does not support.");
        }
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, $"{what} has no array 'shape'.");
        }
        var shape = new int[shapeElement.GetArrayLength()];
        long elements = 1, nonZeroProduct = 1;
        int axis = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
            {
                throw new CheckpointFormatException(path, $"{what} has a shape entry that is not a non-negative integer: {dim.GetRawText()}.");
            }
            if (size > int.MaxValue)
            {
                throw new CheckpointFormatException(path, $"{what} has an axis of size {size}, more than this reader supports ({int.MaxValue}).");
            }

            // Saturating products: each factor is <= 2^31 and size < 2^31, so they cannot overflow a long.
            elements = Math.Min(elements * size, (long)int.MaxValue + 1);
            nonZeroProduct = Math.Min(nonZeroProduct * Math.Max(size, 1), (long)int.MaxValue + 1);
            shape[axis++] = (int)size;
        }
        if (elements > int.MaxValue)
        {
            throw new CheckpointFormatException(path, $"{what} has more than {int.MaxValue} elements, which this reader does not support.");
        }

        // An empty tensor too: a Tensor's shape (and any product of its axes, say rows × columns) must fit an int.
        if (nonZeroProduct > int.MaxValue)
        {
            throw new CheckpointFormatException(path, $"{what} has shape {ShapeUtil.Format(shape)}, whose non-zero axes multiply to more than {int.MaxValue} elements, which this reader does not support.");
        }
        if (!value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException(path, $"{what} has no 'data_offsets' array of two integers.");
        }
        var offsets = new long[2];
        int k = 0;
        foreach (var o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long v) || v < 0)
            {
                throw new CheckpointFormatException(path, $"{what} has a data offset that is not a non-negative integer: {o.GetRawText()}.");
            }
            offsets[k++] = v;
        }
        return new SafeTensorsTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static bool TryParseDType(string text, out SafeTensorsDType dtype)
    {
        dtype = text switch
        {
            "BOOL" => SafeTensorsDType.BOOL,
            "U8" => SafeTensorsDType.U8,
            "I8" => SafeTensorsDType.I8,
            "U16" => SafeTensorsDType.U16,
            "I16" => SafeTensorsDType.I16,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            "U32" => SafeTensorsDType.U32,
            "I32" => SafeTensorsDType.I32,
            "F32" => SafeTensorsDType.F32,
            "U64" => SafeTensorsDType.U64,
            "I64" => SafeTensorsDType.I64,
            "F64" => SafeTensorsDType.F64,
            _ => (SafeTensorsDType)(-1),
        };
        return (int)dtype >= 0;
    }

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8 => 1,
        SafeTensorsDType.U16 or SafeTensorsDType.I16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.U32 or SafeTensorsDType.I32 or SafeTensorsDType.F32 => 4,
        SafeTensorsDType.U64 or SafeTensorsDType.I64 or SafeTensorsDType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static void ReadExactly(FileStream fs, string path, Span<byte> into)
    {
        try
        {
            fs.ReadExactly(into);
        }
        catch (EndOfStreamException e)
        {
            throw new CheckpointFormatException(path, "the file ended early (was it modified while being read?).", e);
        }
    }

    /// <summary>Reads the data of <paramref name="info"/> into <paramref name="into"/>, converting to float32.</summary>
    private static void ReadData(FileStream fs, string path, SafeTensorsHeader header, SafeTensorsTensorInfo info, Span<float> into)
    {
        fs.Position = header.DataStart + info.DataBegin;
        if (info.DType == SafeTensorsDType.F32)
        {
            var bytes = MemoryMarshal.AsBytes(into);
            ReadExactly(fs, path, bytes);
            if (!BitConverter.IsLittleEndian)
            {
                var ints = MemoryMarshal.Cast<float, int>(into);
                BinaryPrimitives.ReverseEndianness(ints, ints);
            }
            return;
        }
        int size = ElementSize(info.DType);
        const int chunkElements = 1 << 14;
        var buffer = new byte[Math.Min(into.Length, chunkElements) * size];
        for (int start = 0; start < into.Length; start += chunkElements)
        {
            int count = Math.Min(chunkElements, into.Length - start);
            var chunk = buffer.AsSpan(0, count * size);
            ReadExactly(fs, path, chunk);
            Convert(chunk, info, into.Slice(start, count), path);
        }
    }

    private static void Convert(ReadOnlySpan<byte> src, SafeTensorsTensorInfo info, Span<float> dst, string path)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            switch (info.DType)
            {
                case SafeTensorsDType.BOOL: dst[i] = src[i] != 0 ? 1f : 0f; break;
                case SafeTensorsDType.U8: dst[i] = src[i]; break;
                case SafeTensorsDType.I8: dst[i] = (sbyte)src[i]; break;
                case SafeTensorsDType.U16: dst[i] = BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]); break;
                case SafeTensorsDType.I16: dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]); break;
                case SafeTensorsDType.F16: dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]); break;
                case SafeTensorsDType.BF16: dst[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16); break;
                case SafeTensorsDType.F64: dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]); break;
                case SafeTensorsDType.U32:
                    {
                        uint v = BinaryPrimitives.ReadUInt32LittleEndian(src[(4 * i)..]);
                        float f = v;
                        dst[i] = f < 4294967296f && (uint)f == v ? f : throw NotExact(info, v.ToString(CultureInfo.InvariantCulture), path);
                        break;
                    }
                case SafeTensorsDType.I32:
                    {
                        int v = BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]);
                        float f = v;
                        dst[i] = f < 2147483648f && (int)f == v ? f : throw NotExact(info, v.ToString(CultureInfo.InvariantCulture), path);
                        break;
                    }
                case SafeTensorsDType.U64:
                    {
                        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(src[(8 * i)..]);
                        float f = v;
                        dst[i] = f < 18446744073709551616f && (ulong)f == v ? f : throw NotExact(info, v.ToString(CultureInfo.InvariantCulture), path);
                        break;
                    }
                case SafeTensorsDType.I64:
                    {
                        long v = BinaryPrimitives.ReadInt64LittleEndian(src[(8 * i)..]);
                        float f = v;
                        dst[i] = f < 9223372036854775808f && (long)f == v ? f : throw NotExact(info, v.ToString(CultureInfo.InvariantCulture), path);
                        break;
                    }
                default:
                    throw new CheckpointFormatException(path, $"tensor '{Printable(info.Name)}' has dtype {info.DType}, which cannot be converted to float32.");
            }
        }
    }

    private static CheckpointFormatException NotExact(SafeTensorsTensorInfo info, string value, string path)
        => new(path, $"tensor '{Printable(info.Name)}' ({info.DType}) holds {value}, which float32 cannot represent exactly.");
}
