using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FastWeights.Nn;
using FastWeights.Optim;
using FastWeights.Serialization;
using FastWeights.Tensors;
using FastWeights.Tests.Training;
using FastWeights.Training;
using Xunit.Abstractions;

namespace FastWeights.Tests.Serialization;

/// <summary>
/// Mutates a real run's checkpoint and weights files (written by the trainer's own save) thousands of times and holds
/// the loaders to their contract: a mutated file loads, or the loader throws <see cref="CheckpointFormatException"/>
/// naming the file (or, loading into a module, <see cref="CheckpointMismatchException"/>), quickly, and a failed load
/// into a module changes nothing.
/// </summary>
public sealed partial class CheckpointFuzzTests : IDisposable
{
    /// <summary>The fuzzer's seed: case <c>i</c> draws its mutation from <c>new Rng(Seed + i)</c> alone, so it replays by itself.</summary>
    private const ulong Seed = 16_05;

    private const int Cases = 3_000;

    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(2);

    private static readonly MutationKind[] Kinds = Enum.GetValues<MutationKind>();

    private readonly string directory = Path.Combine(Path.GetTempPath(), "fw-fuzz-" + Guid.NewGuid().ToString("N"));

    private readonly ITestOutputHelper output;

    public CheckpointFuzzTests(ITestOutputHelper output)
    {
        this.output = output;
        Directory.CreateDirectory(directory);
    }

    /// <summary>What a case changes.</summary>
    public enum MutationKind
    {
        /// <summary>One to four bytes of the length field or header, replaced or bit-flipped.</summary>
        HeaderBytes,

        /// <summary>The 8-byte header length set to a value around or far from the true one.</summary>
        LengthField,

        /// <summary>JSON structure: a bracket, quote, comma or colon removed, added or swapped; a span cut; an entry duplicated or dropped; another JSON value.</summary>
        JsonStructure,

        /// <summary>A string escape (lone or paired UTF-16 surrogates, bad hex, control characters, invalid UTF-8) put into a key or string value.</summary>
        Escape,

        /// <summary>A data offset replaced by a nearby, huge, negative, fractional or non-number value.</summary>
        Offset,

        /// <summary>A shape replaced (axes changed, reordered, zero, past int32, negative, not integers).</summary>
        Shape,

        /// <summary>A dtype replaced by another of the format's, an unsupported or a non-string one.</summary>
        DType,

        /// <summary>A shape replaced together with the tensor's data and the offsets after it, so the file stays self-consistent.</summary>
        ConsistentShape,

        /// <summary>A dtype replaced together with the tensor's data (random bytes of the new size) and the offsets after it.</summary>
        ConsistentDType,

        /// <summary>The file cut short, or given trailing bytes.</summary>
        Truncation,

        /// <summary>One element of one tensor set to a special float (NaN, infinities, fractions, huge values).</summary>
        DataValue,

        /// <summary>Two or three of the above, one after the other.</summary>
        Stacked,
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void MutatedCheckpointsLoadOrThrowOnlyTheDocumentedExceptions()
    {
        // A small run's files as the trainer writes them: checkpoint.safetensors (weights, Adam state, bookkeeping) and
        // model.safetensors (weights).
        var config = TrainerTests.Small() with { Hidden = 6, EmbeddingSize = 5 };
        var model = RunDirectory.CreateModel(config, new Rng(config.Seed));
        var optimizer = OptimizerCatalog.Find("adam").Create(model.NamedParameters(), config.LearningRate);
        string run = Path.Combine(directory, "run");
        Directory.CreateDirectory(run);
        Trainer.Save(run, config, model, optimizer, step: 7, seconds: 1.5, new Trainer.RunningMetrics(0.25, 0.5, 3), new DivergenceRule());
        byte[][] originals = [File.ReadAllBytes(Path.Combine(run, RunDirectory.CheckpointFile)), File.ReadAllBytes(Path.Combine(run, RunDirectory.ModelFile))];

        string path = Path.Combine(directory, "mutated.safetensors");
        var failures = new List<(string What, string Case)>();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = Stopwatch.StartNew();
        for (int index = 0; index < Cases; index++)
        {
            // Alternate files by round of kinds, so every kind meets both.
            bool withOptimizer = index / Kinds.Length % 2 == 0;
            var (kind, description, bytes) = Case(originals[withOptimizer ? 0 : 1], index);
            File.WriteAllBytes(path, bytes);
            string where = $"case {index} (seed {Seed}, kind {kind}, {(withOptimizer ? "checkpoint" : "model")} file): {description}";
            var clock = Stopwatch.StartNew();
            try
            {
                string outcome = Check(path, model, withOptimizer ? optimizer : null);
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
            catch (Exception e)
            {
                failures.Add((e.GetType().Name, $"{where}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"));
            }
            if (clock.Elapsed > PerCaseLimit)
            {
                failures.Add(("time", $"{where}: took {clock.Elapsed.TotalSeconds:F2} s, more than {PerCaseLimit.TotalSeconds} s"));
            }
        }
        // The first few cases of each kind of failure, each with what it mutated; Case(original, index) rebuilds one alone.
        var report = failures.GroupBy(f => f.What).SelectMany(g => g.Take(4).Select(f => f.Case).Prepend($"{g.Count()} × {g.Key}:"));
        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases} cases failed:\n{string.Join("\n", report)}");
        // The mutations reach every outcome, so the cases test something.
        Assert.True(outcomes.GetValueOrDefault("loaded") > 0, Summary(outcomes));
        Assert.True(outcomes.GetValueOrDefault("format") > Cases / 2, Summary(outcomes));
        Assert.True(outcomes.GetValueOrDefault("mismatch") > 0, Summary(outcomes));
        Assert.True(total.Elapsed < TimeSpan.FromSeconds(20), $"the fuzzer took {total.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"{Cases} cases: {Summary(outcomes)}, in {total.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Case <paramref name="index"/>: its mutation kind, a description of what it changed, and the mutated file.</summary>
    internal static (MutationKind Kind, string Description, byte[] Bytes) Case(byte[] original, int index)
    {
        var rng = new Rng(Seed + (ulong)index);
        var kind = Kinds[index % Kinds.Length];
        var file = new FileImage(original);
        string description;
        if (kind == MutationKind.Stacked)
        {
            // Byte-level mutations last: a header change after them would re-encode the length field they set.
            int count = 2 + rng.NextInt(2);
            var chosen = Enumerable.Range(0, count).Select(_ => Kinds[rng.NextInt(Kinds.Length - 1)]).ToList();
            var parts = new List<string>();
            foreach (var part in chosen.Where(k => !IsByteLevel(k)).Concat(chosen.Where(IsByteLevel)))
            {
                parts.Add($"{part}: {Mutate(file, part, rng)}");
            }
            description = string.Join("; then ", parts);
        }
        else
        {
            description = Mutate(file, kind, rng);
        }
        return (kind, description, file.Bytes());
    }

    private static bool IsByteLevel(MutationKind kind) => kind is MutationKind.HeaderBytes or MutationKind.LengthField or MutationKind.Truncation;

    // Loads the file every way the library does and checks the contract; returns "loaded", "format" or "mismatch".
    private static string Check(string path, Module model, Optimizer? optimizer)
    {
        SafeTensorsContent? content = null;
        try
        {
            content = SafeTensorsFile.Load(path);
        }
        catch (CheckpointFormatException e)
        {
            AssertNamesTheFile(e, path);
        }
        if (content is not null)
        {
            foreach (var (name, tensor) in content.Tensors)
            {
                Assert.True(ShapeUtil.Product(tensor.Shape) == tensor.Length, $"tensor '{name}' has {tensor.Length} elements for shape {ShapeUtil.Format(tensor.Shape)}");
            }
        }
        try
        {
            // (Load may still reject a header ReadHeader accepts: integers that float32 cannot hold are found in the data.)
            SafeTensorsFile.ReadHeader(path);
        }
        catch (CheckpointFormatException e)
        {
            AssertNamesTheFile(e, path);
            Assert.True(content is null, "ReadHeader rejected a file that Load reads");
        }

        float[][] before = State(model, optimizer);
        try
        {
            ModuleCheckpoint.Load(model, path, optimizer);
            Assert.True(content is not null, "ModuleCheckpoint.Load accepted a file that SafeTensorsFile.Load rejects");
            return "loaded";
        }
        catch (Exception e) when (e is CheckpointFormatException or CheckpointMismatchException)
        {
            if (e is CheckpointFormatException format)
            {
                AssertNamesTheFile(format, path);
            }
            else
            {
                Assert.Equal(path, ((CheckpointMismatchException)e).FilePath);
                Assert.Contains(path, e.Message);
                Assert.DoesNotContain('\n', e.Message);
            }
            var after = State(model, optimizer);
            for (int i = 0; i < before.Length; i++)
            {
                Assert.True(before[i].AsSpan().SequenceEqual(after[i]), $"a failed ModuleCheckpoint.Load ({e.GetType().Name}: {e.Message}) modified state tensor {i}");
            }
            return e is CheckpointFormatException ? "format" : "mismatch";
        }
    }

    private static void AssertNamesTheFile(CheckpointFormatException e, string path)
    {
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // The loader's catch-all is a net, not a fix: every defect found here gets a check of its own with its own message.
        Assert.False(e.Message.Contains("it could not be read (", StringComparison.Ordinal), $"the loader's catch-all caught {e.InnerException?.GetType().Name}: {e.Message}");
    }

    // Copies of every parameter and optimizer buffer, and the step count, to check that a failed load modified nothing.
    private static float[][] State(Module model, Optimizer? optimizer)
    {
        var state = model.NamedParameters().Select(p => p.Value.ToArray()).ToList();
        if (optimizer is not null)
        {
            state.AddRange(optimizer.StateTensors().Select(p => p.Value.ToArray()));
        }
        return [.. state];
    }

    private static string Summary(Dictionary<string, int> outcomes) => string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"));

    private static string Mutate(FileImage file, MutationKind kind, Rng rng) => kind switch
    {
        MutationKind.HeaderBytes => HeaderBytes(file, rng),
        MutationKind.LengthField => LengthField(file, rng),
        MutationKind.JsonStructure => JsonStructure(file, rng),
        MutationKind.Escape => Escape(file, rng),
        MutationKind.Offset => Offset(file, rng),
        MutationKind.Shape => Shape(file, rng),
        MutationKind.DType => DType(file, rng),
        MutationKind.ConsistentShape => ConsistentShape(file, rng),
        MutationKind.ConsistentDType => ConsistentDType(file, rng),
        MutationKind.Truncation => Truncation(file, rng),
        MutationKind.DataValue => DataValue(file, rng),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string HeaderBytes(FileImage file, Rng rng)
    {
        // Works on the bytes as they are on disk (length field included), without re-encoding the length.
        byte[] bytes = file.Bytes();
        int span = Math.Min(bytes.Length, 8 + file.Header.Length);
        int count = 1 + rng.NextInt(4);
        var changes = new List<string>();
        for (int i = 0; i < count; i++)
        {
            int at = rng.NextInt(span);
            byte old = bytes[at];
            bytes[at] = rng.NextInt(2) == 0 ? (byte)(old ^ (1 << rng.NextInt(8))) : (byte)rng.NextInt(256);
            changes.Add($"byte {at} 0x{old:x2} -> 0x{bytes[at]:x2}");
        }
        file.SetRaw(bytes);
        return string.Join(", ", changes);
    }

    private static string LengthField(FileImage file, Rng rng)
    {
        ulong actual = (ulong)file.Header.Length;
        ulong fileLength = (ulong)(8 + file.Header.Length + file.Data.Length);
        ulong[] choices =
        [
            0, 1, 7, 8, actual - 1, actual + 1, actual - 8, actual + 8, actual / 2, actual + ((fileLength - actual) / 2),
            fileLength - 8, fileLength - 7, fileLength, (ulong)SafeTensorsFile.MaxHeaderLength, (ulong)SafeTensorsFile.MaxHeaderLength + 1,
            ulong.MaxValue, 1UL << 63, (ulong)long.MaxValue, actual | (1UL << (32 + rng.NextInt(32))), rng.NextUInt64() >> rng.NextInt(64),
        ];
        ulong value = choices[rng.NextInt(choices.Length)];
        file.LengthField = value;
        return $"header length {actual} -> {value}";
    }

    private static string JsonStructure(FileImage file, Rng rng)
    {
        string json = file.Json;
        const string structural = "{}[],:\"";
        if (json.Length == 0)
        {
            file.Json = "{";
            return "empty header -> '{'";
        }
        switch (rng.NextInt(9))
        {
            case 0:
                {
                    var at = Positions(json, c => structural.Contains(c, StringComparison.Ordinal));
                    int i = at[rng.NextInt(at.Count)];
                    file.Json = json.Remove(i, 1);
                    return $"removed '{json[i]}' at {i}";
                }
            case 1:
                {
                    int i = rng.NextInt(json.Length + 1);
                    char c = structural[rng.NextInt(structural.Length)];
                    file.Json = json.Insert(i, c.ToString());
                    return $"inserted '{c}' at {i}";
                }
            case 2:
                {
                    var at = Positions(json, c => structural.Contains(c, StringComparison.Ordinal));
                    int i = at[rng.NextInt(at.Count)], j = at[rng.NextInt(at.Count)];
                    var chars = json.ToCharArray();
                    (chars[i], chars[j]) = (chars[j], chars[i]);
                    file.Json = new string(chars);
                    return $"swapped '{json[i]}' at {i} and '{json[j]}' at {j}";
                }
            case 3:
                {
                    int i = rng.NextInt(json.Length);
                    int n = 1 + rng.NextInt(Math.Min(40, json.Length - i));
                    file.Json = json.Remove(i, n);
                    return $"cut {n} characters at {i}";
                }
            case 4:
                {
                    // An entry twice: the same key again, or under a new name (so its data is claimed twice).
                    var entries = Entries(json);
                    if (entries.Count == 0)
                    {
                        return "no entry to duplicate";
                    }
                    var entry = entries[rng.NextInt(entries.Count)];
                    string copy = rng.NextInt(2) == 0 ? entry.Value : "\"copy" + entry.Value[1..];
                    file.Json = json.Insert(entry.Index + entry.Length, "," + copy);
                    return $"duplicated entry at {entry.Index}{(copy == entry.Value ? string.Empty : " as 'copy…'")}";
                }
            case 5:
                {
                    var entries = Entries(json);
                    if (entries.Count == 0)
                    {
                        return "no entry to drop";
                    }
                    var entry = entries[rng.NextInt(entries.Count)];
                    int start = entry.Index, length = entry.Length;
                    if (json[start - 1] == ',')
                    {
                        start--;
                        length++;
                    }
                    else if (start + length < json.Length && json[start + length] == ',')
                    {
                        length++;
                    }
                    file.Json = json.Remove(start, length);
                    return $"dropped entry at {entry.Index}";
                }
            case 6:
                {
                    string[] headers =
                    [
                        string.Empty, "null", "[]", "{}", "\"x\"", "1", "true", "{\"__metadata__\":null}", "{\"__metadata__\":[]}",
                        "{\"__metadata__\":{\"a\":null}}", "{\"a\":null}", "{\"a\":[]}", "{\"a\":{}}", "{\"a\":{\"dtype\":\"F32\"}}",
                        new string('[', 200) + new string(']', 200), "{\"a\":" + new string('[', 70) + new string(']', 70) + "}",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}} {}", "{} x", "\u00ef\u00bb\u00bf{}", "{\"a\":1,}", "{/* c */}",
                    ];
                    string replacement = headers[rng.NextInt(headers.Length)];
                    file.Json = replacement;
                    return $"header replaced by {Shorten(replacement)}";
                }
            case 7:
                {
                    // A value of the wrong JSON type in place of an object, array, number or string.
                    var values = ValueRegex().Matches(json);
                    if (values.Count == 0)
                    {
                        return "no value to replace";
                    }
                    var m = values[rng.NextInt(values.Count)];
                    string[] others = ["null", "true", "0", "-1", "\"s\"", "[]", "{}", "[[]]", "1e400", "-0", "0.5"];
                    string other = others[rng.NextInt(others.Length)];
                    file.Json = json[..m.Index] + other + json[(m.Index + m.Length)..];
                    return $"value {Shorten(m.Value)} at {m.Index} -> {other}";
                }
            default:
                {
                    // Legal and illegal filler between tokens: whitespace, a newline, a comment, a trailing comma.
                    var at = Positions(json, c => structural.Contains(c, StringComparison.Ordinal));
                    int i = at[rng.NextInt(at.Count)] + 1;
                    string[] fillers = [" ", "\n", "\t", "\r\n", "/**/", "//x\n", ",", "\u0000", "\u00a0"];
                    string filler = fillers[rng.NextInt(fillers.Length)];
                    file.Json = json.Insert(i, filler);
                    return $"inserted {Shorten(filler)} at {i}";
                }
        }
    }

    private static string Escape(FileImage file, Rng rng)
    {
        string json = file.Json;
        var strings = StringRegex().Matches(json);
        if (strings.Count == 0)
        {
            return "no string to change";
        }
        var s = strings[rng.NextInt(strings.Count)];
        // Latin-1 characters here are raw bytes in the file: 0xff and 0xc0 0xaf are invalid UTF-8, 0xed 0xa0 0x80 an encoded surrogate.
        string[] escapes =
        [
            "\\udc00", "\\ud800", "\\ud800x", "\\ud800\\u0041", "\\udc00\\ud800", "\\udbff\\udfff", "\\ud83d\\ude00", "\\u0000", "\\u001f",
            "\\uffff", "\\ufffe", "\\x41", "\\u12", "\\u12G4", "\\U0041", "\\\"", "\\\\", "\\/", "\\b\\f\\n\\r\\t", "\\", "\\a",
            "\u0001", "\t", "\n", "\u00ff", "\u00c0\u00af", "\u00ed\u00a0\u0080", "\u00c3\u00a9", "\u00f0\u009f\u0098",
        ];
        if (rng.NextInt(4) == 0 && s.Length > 2)
        {
            // The same string with one character written as a \u escape: equal text, so loads behave as before.
            int i = s.Index + 1 + rng.NextInt(s.Length - 2);
            if (json[i] != '\\')
            {
                string escaped = "\\u" + ((int)json[i]).ToString("x4", CultureInfo.InvariantCulture);
                file.Json = json[..i] + escaped + json[(i + 1)..];
                return $"'{json[i]}' at {i} written as {escaped}";
            }
        }
        string escape = escapes[rng.NextInt(escapes.Length)];
        int at = s.Index + 1 + rng.NextInt(s.Length - 1);
        file.Json = json.Insert(at, escape);
        return $"{Shorten(escape)} into {Shorten(s.Value)} at {at}";
    }

    private static string Offset(FileImage file, Rng rng)
    {
        string json = file.Json;
        var offsets = OffsetsRegex().Matches(json);
        if (offsets.Count == 0)
        {
            return "no data offsets to change";
        }
        var m = offsets[rng.NextInt(offsets.Count)];
        var g = m.Groups[1 + rng.NextInt(2)];
        long v = Number(g.Value);
        string other = m.Groups[g.Index == m.Groups[1].Index ? 2 : 1].Value;
        string[] choices =
        [
            (v + 1).ToString(CultureInfo.InvariantCulture), (v - 1).ToString(CultureInfo.InvariantCulture), (v + 4).ToString(CultureInfo.InvariantCulture),
            (v - 4).ToString(CultureInfo.InvariantCulture), (v * 2).ToString(CultureInfo.InvariantCulture), "0", other, rng.NextInt(file.Data.Length + 1).ToString(CultureInfo.InvariantCulture),
            long.MaxValue.ToString(CultureInfo.InvariantCulture), "9223372036854775808", "18446744073709551616", "-1", "-0", "1e3", "4.0", "\"4\"", "null", "[4]",
        ];
        string value = choices[rng.NextInt(choices.Length)];
        file.Json = json[..g.Index] + value + json[(g.Index + g.Length)..];
        return $"data offset {v} at {g.Index} -> {value}";
    }

    private static string Shape(FileImage file, Rng rng)
    {
        string json = file.Json;
        var shapes = ShapeRegex().Matches(json);
        if (shapes.Count == 0)
        {
            return "no shape to change";
        }
        var m = shapes[rng.NextInt(shapes.Count)];
        var g = m.Groups[1];
        long[] dims = g.Value.Length == 0 ? [] : [.. g.Value.Split(',').Select(Number)];
        string Join(IEnumerable<long> d) => string.Join(",", d);
        string ChangedAxis()
        {
            if (dims.Length == 0)
            {
                return "1";
            }
            var d = (long[])dims.Clone();
            int axis = rng.NextInt(d.Length);
            d[axis] += rng.NextInt(2) == 0 ? 1 : -1;
            return Join(d);
        }
        string[] choices =
        [
            string.Empty, "0", ChangedAxis(), Join(Enumerable.Reverse(dims)), Join([1, .. dims]), Join([.. dims, 0]), "65536,65536,0", "0,65536,65536", "46341,46341",
            "2147483647", "2147483648", "4294967296,0", "-1", "1.0", "1e2", "\"2\"", "null", "[2]", string.Join(",", Enumerable.Repeat(1, 1000)),
            string.Join(",", Enumerable.Range(0, 1 + rng.NextInt(4)).Select(_ => rng.NextInt(12))),
        ];
        string value = choices[rng.NextInt(choices.Length)];
        file.Json = json[..g.Index] + value + json[(g.Index + g.Length)..];
        return $"shape [{g.Value}] at {g.Index} -> [{Shorten(value)}]";
    }

    private static string DType(FileImage file, Rng rng)
    {
        string json = file.Json;
        var dtypes = DTypeRegex().Matches(json);
        if (dtypes.Count == 0)
        {
            return "no dtype to change";
        }
        var m = dtypes[rng.NextInt(dtypes.Count)];
        string[] choices =
        [
            "\"BOOL\"", "\"U8\"", "\"I8\"", "\"U16\"", "\"I16\"", "\"F16\"", "\"BF16\"", "\"U32\"", "\"I32\"", "\"F32\"", "\"U64\"", "\"I64\"", "\"F64\"",
            "\"F8_E4M3\"", "\"f32\"", "\"\"", "\"F32 \"", "\"F3\"", "\"C64\"", "32", "null", "[\"F32\"]", "{}",
        ];
        string value = choices[rng.NextInt(choices.Length)];
        var g = m.Groups[1];
        file.Json = json[..g.Index] + value + json[(g.Index + g.Length)..];
        return $"dtype {g.Value} at {g.Index} -> {value}";
    }

    private static string ConsistentShape(FileImage file, Rng rng)
    {
        string[] shapes = ["0", "0,65536,65536", "65536,65536,0", "3,2147483647,0", "2147483647,0,2", "0,0", "1,1,1,1,1,1,1,1", string.Empty, "1", "2,0,3"];
        string shape = shapes[rng.NextInt(shapes.Length)];
        long elements = shape.Length == 0 ? 1 : shape.Split(',').Aggregate(1L, (p, d) => Math.Min(p * Number(d), 1L << 31));
        return Resize(file, rng, shape, dtype: null, elements);
    }

    private static string ConsistentDType(FileImage file, Rng rng)
    {
        string[] dtypes = ["BOOL", "U8", "I8", "U16", "I16", "F16", "BF16", "U32", "I32", "F32", "U64", "I64", "F64"];
        return Resize(file, rng, shape: null, dtypes[rng.NextInt(dtypes.Length)], elements: -1);
    }

    // Gives one entry a new shape or dtype and a data span of the matching size (random bytes), shifting the offsets of
    // the entries after it; the writer lists entries in data order, one shape, dtype and data_offsets each.
    private static string Resize(FileImage file, Rng rng, string? shape, string? dtype, long elements)
    {
        string json = file.Json;
        var offsets = OffsetsRegex().Matches(json);
        var shapes = ShapeRegex().Matches(json);
        var dtypes = DTypeRegex().Matches(json);
        if (offsets.Count == 0 || offsets.Count != shapes.Count || offsets.Count != dtypes.Count)
        {
            return "no consistent entries to change";
        }
        int k = rng.NextInt(offsets.Count);
        long begin = Number(offsets[k].Groups[1].Value);
        long end = Number(offsets[k].Groups[2].Value);
        string oldDType = dtypes[k].Groups[1].Value.Trim('"');
        if (end < begin || end > file.Data.Length || !Enum.TryParse<SafeTensorsDType>(oldDType, out var oldType))
        {
            return "no consistent entry to change";
        }
        if (elements < 0)
        {
            elements = (end - begin) / SafeTensorsFile.ElementSize(oldType);
        }
        var type = dtype is null ? oldType : Enum.Parse<SafeTensorsDType>(dtype);
        long length = Math.Min(elements * SafeTensorsFile.ElementSize(type), 1 << 16);
        var bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)rng.NextInt(256);
        }
        file.Data = [.. file.Data.AsSpan(0, (int)begin), .. bytes, .. file.Data.AsSpan((int)end)];

        // Rewrite from the back so earlier match positions stay valid.
        long delta = length - (end - begin);
        var edits = new List<(int Index, int Length, string Text)>();
        for (int j = k; j < offsets.Count; j++)
        {
            long b = Number(offsets[j].Groups[1].Value);
            long e = Number(offsets[j].Groups[2].Value);
            (b, e) = j == k ? (b, b + length) : (b + delta, e + delta);
            edits.Add((offsets[j].Index, offsets[j].Length, $"\"data_offsets\":[{b},{e}]"));
        }
        if (shape is not null)
        {
            edits.Add((shapes[k].Groups[1].Index, shapes[k].Groups[1].Length, shape));
        }
        if (dtype is not null)
        {
            edits.Add((dtypes[k].Groups[1].Index, dtypes[k].Groups[1].Length, $"\"{dtype}\""));
        }
        foreach (var (index, count, text) in edits.OrderByDescending(e => e.Index))
        {
            json = json[..index] + text + json[(index + count)..];
        }
        file.Json = json;
        return $"entry {k} ({oldDType} [{shapes[k].Groups[1].Value}]) -> {dtype ?? oldDType} [{shape ?? shapes[k].Groups[1].Value}], {length} bytes of data";
    }

    private static string Truncation(FileImage file, Rng rng)
    {
        byte[] bytes = file.Bytes();
        if (rng.NextInt(4) == 0)
        {
            int extra = 1 + rng.NextInt(16);
            var tail = new byte[extra];
            for (int i = 0; i < extra; i++)
            {
                tail[i] = (byte)rng.NextInt(256);
            }
            file.SetRaw([.. bytes, .. tail]);
            return $"{extra} trailing bytes";
        }
        // Half the cuts fall inside the length field or header, where the loader has the most to check.
        int limit = rng.NextInt(2) == 0 ? Math.Min(bytes.Length, 8 + file.Header.Length) : bytes.Length;
        int cut = rng.NextInt(limit);
        file.SetRaw(bytes[..cut]);
        return $"cut to {cut} of {bytes.Length} bytes";
    }

    private static string DataValue(FileImage file, Rng rng)
    {
        // One float32 element of one tensor (the optimizer's step count among them) set to a value a sane file would not hold.
        var offsets = OffsetsRegex().Matches(file.Json);
        if (offsets.Count == 0)
        {
            return "no tensor to change";
        }
        var m = offsets[rng.NextInt(offsets.Count)];
        long begin = Number(m.Groups[1].Value), end = Number(m.Groups[2].Value);
        if (end - begin < 4 || end > file.Data.Length)
        {
            return "no element to change";
        }
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1.5f, -1f, -0f, 16_777_217f, 3e38f, 1e-45f, 2.5e9f];
        float value = values[rng.NextInt(values.Length)];
        int at = (int)begin + (4 * rng.NextInt((int)(end - begin) / 4));
        var data = file.Data;
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(at), value);
        file.Data = data;
        return $"data at {at} (entry at {m.Index}) -> {value.ToString(CultureInfo.InvariantCulture)}";
    }

    // A number of the header; one past long's range (an earlier mutation may have planted it) counts as long.MaxValue.
    private static long Number(string digits) => long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : long.MaxValue;

    private static List<int> Positions(string text, Func<char, bool> where)
    {
        var list = new List<int>();
        for (int i = 0; i < text.Length; i++)
        {
            if (where(text[i]))
            {
                list.Add(i);
            }
        }
        return list.Count > 0 ? list : [0];
    }

    private static List<Match> Entries(string json) => [.. EntryRegex().Matches(json).Cast<Match>()];

    private static string Shorten(string text)
    {
        string shown = text.Length > 40 ? text[..40] + "…" : text;
        var sb = new StringBuilder();
        foreach (char c in shown)
        {
            sb.Append(c < 0x20 || c >= 0x7f ? $"<{(int)c:x2}>" : c.ToString());
        }
        return sb.ToString();
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringRegex();

    [GeneratedRegex("\"data_offsets\":\\[(\\d+),(\\d+)\\]")]
    private static partial Regex OffsetsRegex();

    [GeneratedRegex("\"shape\":\\[([0-9,]*)\\]")]
    private static partial Regex ShapeRegex();

    [GeneratedRegex("\"dtype\":(\"[^\"]*\")")]
    private static partial Regex DTypeRegex();

    // A tensor entry: "name":{...} (tensor descriptions hold no nested objects).
    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\":\\{\"dtype\"[^{}]*\\}")]
    private static partial Regex EntryRegex();

    // An object, array, number or string value after a colon.
    [GeneratedRegex("(?<=:)(?:\\{[^{}]*\\}|\\[[^\\[\\]]*\\]|-?[0-9]+|\"(?:[^\"\\\\]|\\\\.)*\")")]
    private static partial Regex ValueRegex();

    /// <summary>
    /// A safetensors file taken apart: the length field, the header as text (Latin-1, one character per byte, so raw
    /// invalid UTF-8 can be planted) and the data. Changing the header re-encodes the length field to match, so the
    /// mutation reaches the JSON parser; <see cref="SetRaw"/> replaces the whole file as given.
    /// </summary>
    private sealed class FileImage
    {
        private byte[]? raw;

        public FileImage(byte[] bytes)
        {
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Header = bytes[8..(8 + length)];
            Data = bytes[(8 + length)..];
            LengthField = (ulong)length;
        }

        public byte[] Header { get; private set; }

        public byte[] Data { get; set; }

        public ulong LengthField { get; set; }

        public string Json
        {
            get => Encoding.Latin1.GetString(Header);
            set
            {
                Header = Encoding.Latin1.GetBytes(value);
                LengthField = (ulong)Header.Length;
                raw = null;
            }
        }

        public void SetRaw(byte[] bytes)
        {
            // Later structured mutations start from these bytes where they still parse as a header and data.
            raw = bytes;
            if (bytes.Length >= 8)
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
                if (length <= (ulong)(bytes.Length - 8))
                {
                    Header = bytes[8..(8 + (int)length)];
                    Data = bytes[(8 + (int)length)..];
                    LengthField = length;
                    raw = null;
                    return;
                }
            }
        }

        public byte[] Bytes()
        {
            if (raw is not null)
            {
                return (byte[])raw.Clone();
            }
            var bytes = new byte[8 + Header.Length + Data.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, LengthField);
            Header.CopyTo(bytes, 8);
            Data.CopyTo(bytes, 8 + Header.Length);
            return bytes;
        }
    }
}
