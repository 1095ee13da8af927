using System.Buffers.Binary;
using System.Text;
using FastWeights.Nn;
using FastWeights.Optim;
using FastWeights.Serialization;
using FastWeights.Tensors;

namespace FastWeights.Tests.Serialization;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string directory;

    public SafeTensorsTests()
    {
        directory = Path.Combine(Path.GetTempPath(), "fw-st-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string FilePath(string name = "model.safetensors") => Path.Combine(directory, name);

    private static KeyValuePair<string, Tensor> Pair(string name, Tensor t) => new(name, t);

    [Fact]
    public void RoundTripIsBitIdenticalForAllShapesAndKeepsMetadata()
    {
        var rng = new Rng(7);
        var special = Tensor.FromArray([float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue, 1e-40f], 7);
        var tensors = new List<KeyValuePair<string, Tensor>>
        {
            Pair("encoder.w", Tensor.RandomNormal(rng, 1f, 3, 4)),
            Pair("scalar", Tensor.Scalar(-2.5f)),
            Pair("empty", Tensor.Zeros(0, 5)),
            Pair("z.bias", Tensor.RandomNormal(rng, 1f, 5)),
            Pair("a.special", special),
            Pair("deep", Tensor.RandomNormal(rng, 1f, 2, 1, 3, 2)),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["config"] = "{\"d\": 4}\n\"quoted\" \\ é ✓" };
        SafeTensorsFile.Save(FilePath(), tensors, metadata);

        var content = SafeTensorsFile.Load(FilePath());
        Assert.Equal(tensors.Count, content.Tensors.Count);
        foreach (var (name, original) in tensors)
        {
            var loaded = content[name];
            Assert.Equal(original.ShapeArray(), loaded.ShapeArray());
            Assert.Equal(
                original.ToArray().Select(BitConverter.SingleToInt32Bits),
                loaded.ToArray().Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(SafeTensorsDType.F32, content.Header.Tensors.Single(t => t.Name == name).DType);
        }
        Assert.Equal(metadata.OrderBy(kv => kv.Key), content.Metadata.OrderBy(kv => kv.Key));
        Assert.Equal(["a.special", "deep", "empty", "encoder.w", "scalar", "z.bias"], content.Names);
    }

    [Fact]
    public void ViewsAreWrittenFromTheirOwnElementsOnly()
    {
        var big = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        SafeTensorsFile.Save(FilePath(), [Pair("rows", big.SliceRows(1, 2))]);
        var loaded = SafeTensorsFile.Load(FilePath())["rows"];
        Assert.Equal([2, 2], loaded.ShapeArray());
        Assert.Equal([3f, 4f, 5f, 6f], loaded.ToArray());
    }

    [Fact]
    public void GoldenBytesMatchTheReferenceSerializerTestVector()
    {
        // The reference implementation's own serialization test: one F32 tensor "attn.0" of shape [1, 2, 3]
        // holding 0..5 serializes to a 64-byte header (already a multiple of 8, so no padding).
        var t = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f], 1, 2, 3);
        byte[] bytes = SafeTensorsFile.Serialize([Pair("attn.0", t)]);
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0,
            .. "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"u8,
            0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void GoldenBytesWithMetadataSortingAndPadding()
    {
        // Hand-computed: __metadata__ first, tensors sorted by name ("a" before "b" although given after),
        // compact JSON, padded with spaces to a multiple of 8.
        // {"__metadata__":{"format":"pt"},                     32 characters
        // "a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}, 52 characters
        // "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}} 54 characters → 138, padded to 144 (6 spaces).
        var tensors = new[] { Pair("b", Tensor.FromArray([1f, -2f], 2)), Pair("a", Tensor.Scalar(0.5f)) };
        byte[] bytes = SafeTensorsFile.Serialize(tensors, new Dictionary<string, string> { ["format"] = "pt" });
        string json = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        Assert.Equal(138, json.Length);
        byte[] expected =
        [
            144, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.UTF8.GetBytes(json + "      "),
            0, 0, 0, 63, // 0.5f
            0, 0, 128, 63, // 1f
            0, 0, 0, 192, // -2f
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void HeaderEscapesLikeSerdeJson()
    {
        // serde_json escapes only quote, backslash and control characters; everything else is raw UTF-8.
        byte[] bytes = SafeTensorsFile.Serialize([], new Dictionary<string, string> { ["k"] = "\"\\\n\u0001</é>" });
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.Equal("{\"__metadata__\":{\"k\":\"\\\"\\\\\\n\\u0001</é>\"}}", header.TrimEnd(' '));
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(bytes.Length, 8 + headerLength);
    }

    [Fact]
    public void ReadsTheReferencePythonTestVectorWithMetadataAndI32()
    {
        // From the reference Python bindings' tests: an I32 [2, 2] tensor of zeros with metadata, header padded with 7 spaces.
        byte[] file =
        [
            102, 0, 0, 0, 0, 0, 0, 0,
            .. "{\"__metadata__\":{\"framework\":\"pt\"},\"test1\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}       "u8,
            .. new byte[16],
        ];
        File.WriteAllBytes(FilePath(), file);
        var content = SafeTensorsFile.Load(FilePath());
        Assert.Equal("pt", content.Metadata["framework"]);
        Assert.Equal(SafeTensorsDType.I32, content.Header.Tensors[0].DType);
        Assert.Equal([2, 2], content["test1"].ShapeArray());
        Assert.Equal(new float[4], content["test1"].ToArray());
    }

    [Fact]
    public void ConvertsOtherDTypesToFloat32()
    {
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes((Half)1.5));
        body.AddRange(BitConverter.GetBytes((Half)(-0.25)));
        body.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(3.140625f) >> 16)));
        body.AddRange(BitConverter.GetBytes(0.1));
        body.AddRange(BitConverter.GetBytes(-123456L));
        string json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[4,6]},"
            + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[6,14]},\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[14,22]}}";
        WriteRaw(FilePath(), json, [.. body]);
        var content = SafeTensorsFile.Load(FilePath());
        Assert.Equal([1.5f, -0.25f], content["h"].ToArray());
        Assert.Equal(3.140625f, content["b"].Item());
        Assert.Equal(0.1f, content["d"].Item());
        Assert.Equal(-123456f, content["i"].Item());
    }

    [Fact]
    public void IntegerThatFloat32CannotHoldIsAFormatError()
    {
        WriteRaw(FilePath(), "{\"i\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", BitConverter.GetBytes((1L << 24) + 1));
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
        Assert.Contains("'i'", e.Message);
        Assert.Contains("16777217", e.Message);
    }

    [Fact]
    public void UnsupportedDTypeIsAFormatErrorNamingIt()
    {
        WriteRaw(FilePath(), "{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", [0]);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
        Assert.Contains("F8_E4M3", e.Message);
        Assert.Contains(FilePath(), e.Message);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 12, "overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "gap")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "trailing")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "non-negative")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", 8, "elements")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "data_offsets")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "ends before")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "twice")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, "not a string")]
    [InlineData("[1,2]", 0, "not an object")]
    [InlineData("{\"a\":", 0, "not valid JSON")]
    public void StructurallyInvalidHeadersAreFormatErrors(string json, int dataBytes, string expectedFragment)
    {
        WriteRaw(FilePath(), json, new byte[dataBytes]);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
        Assert.Contains(expectedFragment, e.Message);
        Assert.Contains(FilePath(), e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("{\"a\\udc00\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"a\":{\"dtype\":\"F\\udc0032\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"__metadata__\":{\"k\":\"v\\udc00\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"__metadata__\":{\"k\\ud800\":\"v\"}}", 0)]
    [InlineData("{\"a\":{\"d\\ud800type\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)]
    public void LoneSurrogateEscapesAreFormatErrorsEverywhere(string json, int dataBytes)
    {
        // Valid JSON syntax, but the escape decodes to half a UTF-16 pair, which no string can hold (serde_json rejects it too).
        WriteRaw(FilePath(), json, new byte[dataBytes]);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
        Assert.Equal(FilePath(), e.FilePath);
        Assert.Contains("surrogate", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.ReadHeader(FilePath()));
        Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.LoadInto(FilePath(), [Pair("a", Tensor.Zeros(1))]));
        Assert.Throws<CheckpointFormatException>(() => ModuleCheckpoint.Load(new TinyModel(new Rng(1)), FilePath()));
    }

    [Theory]
    [InlineData("[65536,65536,0]")]
    [InlineData("[0,65536,65536]")]
    [InlineData("[3,2147483647,0]")]
    public void AnEmptyTensorWhoseOtherAxesMultiplyPastInt32IsAFormatError(string shape)
    {
        WriteRaw(FilePath(), $"{{\"a\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[0,0]}}}}", []);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
        Assert.Contains("tensor 'a'", e.Message);
        Assert.Contains(FilePath(), e.Message);
        Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.ReadHeader(FilePath()));
        Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.LoadInto(FilePath(), [Pair("a", Tensor.Zeros(0))]));
    }

    [Fact]
    public void HugeHeaderLengthIsAFormatError()
    {
        byte[] bytes = SampleFile();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(FilePath(), bytes);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
        Assert.Contains("exceeds", e.Message);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        File.WriteAllBytes(FilePath(), bytes);
        e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
        Assert.Contains("past the end", e.Message);
    }

    [Fact]
    public void EveryTruncationIsAFormatError()
    {
        byte[] bytes = SampleFile();
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            File.WriteAllBytes(FilePath(), bytes[..cut]);
            var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Load(FilePath()));
            Assert.Equal(FilePath(), e.FilePath);
            Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.ReadHeader(FilePath()));
        }
        File.WriteAllBytes(FilePath(), bytes);
        Assert.Equal(3, SafeTensorsFile.Load(FilePath()).Tensors.Count);
    }

    [Fact]
    public void RandomHeaderCorruptionEitherLoadsOrThrowsFormatException()
    {
        byte[] original = SampleFile();
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var rng = new Rng(2024);
        int loaded = 0, rejected = 0;
        for (int trial = 0; trial < 600; trial++)
        {
            byte[] bytes = (byte[])original.Clone();
            int flips = 1 + rng.NextInt(3);
            for (int f = 0; f < flips; f++)
            {
                int at = rng.NextInt(headerEnd);
                bytes[at] = trial % 2 == 0 ? (byte)(bytes[at] ^ (1 << rng.NextInt(8))) : (byte)rng.NextInt(256);
            }
            File.WriteAllBytes(FilePath(), bytes);
            try
            {
                var content = SafeTensorsFile.Load(FilePath());
                foreach (var t in content.Tensors.Values)
                {
                    Assert.Equal(ShapeUtil.Product(t.Shape), t.Length);
                }
                loaded++;
            }
            catch (CheckpointFormatException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                rejected++;
            }
        }
        Assert.True(rejected > 0);
        Assert.True(loaded + rejected == 600);
    }

    [Fact]
    public void LoadIntoCopiesValuesIntoExistingTensors()
    {
        var rng = new Rng(1);
        var source = new[] { Pair("encoder.w", Tensor.RandomNormal(rng, 1f, 3, 4)), Pair("b", Tensor.RandomNormal(rng, 1f, 4)) };
        SafeTensorsFile.Save(FilePath(), source, new Dictionary<string, string> { ["step"] = "12" });
        var targets = new[] { Pair("b", Tensor.Zeros(4)), Pair("encoder.w", Tensor.Zeros(3, 4)) };
        var metadata = SafeTensorsFile.LoadInto(FilePath(), targets);
        Assert.Equal("12", metadata["step"]);
        Assert.Equal(source[0].Value.ToArray(), targets[1].Value.ToArray());
        Assert.Equal(source[1].Value.ToArray(), targets[0].Value.ToArray());
    }

    [Fact]
    public void LoadIntoShapeMismatchNamesTheTensorAndModifiesNothing()
    {
        SafeTensorsFile.Save(FilePath(), [Pair("a", Tensor.Full(1f, 2)), Pair("encoder.w", Tensor.Zeros(3, 4))]);
        var a = Tensor.Full(7f, 2);
        var e = Assert.Throws<CheckpointMismatchException>(() => SafeTensorsFile.LoadInto(FilePath(), [Pair("a", a), Pair("encoder.w", Tensor.Zeros(4, 4))]));
        Assert.Contains("tensor 'encoder.w' has shape [3, 4] in the file but [4, 4] in the model", e.Message);
        Assert.Contains(FilePath(), e.Message);
        Assert.Equal([7f, 7f], a.ToArray());
    }

    [Fact]
    public void LoadIntoReportsMissingAndUnexpectedNamesUnlessNotStrict()
    {
        SafeTensorsFile.Save(FilePath(), [Pair("a", Tensor.Full(1f, 2)), Pair("old.bias", Tensor.Zeros(3))]);
        var a = Tensor.Zeros(2);
        var extra = Tensor.Full(5f, 3);
        var targets = new[] { Pair("a", a), Pair("new.bias", extra) };
        var e = Assert.Throws<CheckpointMismatchException>(() => SafeTensorsFile.LoadInto(FilePath(), targets));
        Assert.Contains("missing tensor 'new.bias'", e.Message);
        Assert.Contains("unexpected tensor 'old.bias'", e.Message);
        Assert.Equal(2, e.Problems.Count);

        SafeTensorsFile.LoadInto(FilePath(), targets, strict: false);
        Assert.Equal([1f, 1f], a.ToArray());
        Assert.Equal([5f, 5f, 5f], extra.ToArray());
    }

    [Fact]
    public void LoadIntoRejectsIntegerTensorsForFloatParameters()
    {
        WriteRaw(FilePath(), "{\"w\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        var e = Assert.Throws<CheckpointMismatchException>(() => SafeTensorsFile.LoadInto(FilePath(), [Pair("w", Tensor.Zeros(1))]));
        Assert.Contains("tensor 'w' has dtype I32", e.Message);
    }

    [Fact]
    public void SaveLeavesNoTempFileAndReplacesTheOldFile()
    {
        SafeTensorsFile.Save(FilePath(), [Pair("x", Tensor.Full(1f, 3))]);
        SafeTensorsFile.Save(FilePath(), [Pair("x", Tensor.Full(2f, 3))]);
        Assert.Equal([FilePath()], Directory.GetFiles(directory));
        Assert.Equal([2f, 2f, 2f], SafeTensorsFile.Load(FilePath())["x"].ToArray());
    }

    [Fact]
    public void FailedSaveKeepsTheOldFileAndRemovesTheTempFile()
    {
        SafeTensorsFile.Save(FilePath(), [Pair("x", Tensor.Full(1f, 3))]);
        byte[] before = File.ReadAllBytes(FilePath());
        string? seenTemp = null;
        Assert.Throws<IOException>(() => SafeTensorsFile.SaveCore(FilePath(), [Pair("x", Tensor.Full(2f, 3))], null, temp =>
        {
            seenTemp = temp;
            Assert.True(File.Exists(temp));
            Assert.Equal(Path.GetDirectoryName(FilePath()), Path.GetDirectoryName(temp));
            throw new IOException("disk full (simulated)");
        }));
        Assert.NotNull(seenTemp);
        Assert.False(File.Exists(seenTemp));
        Assert.Equal([FilePath()], Directory.GetFiles(directory));
        Assert.Equal(before, File.ReadAllBytes(FilePath()));
    }

    [Fact]
    public void InvalidInputsThrowBeforeTouchingTheOldFile()
    {
        SafeTensorsFile.Save(FilePath(), [Pair("x", Tensor.Full(1f, 3))]);
        byte[] before = File.ReadAllBytes(FilePath());
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(FilePath(), [Pair("x", Tensor.Zeros(1)), Pair("x", Tensor.Zeros(1))]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(FilePath(), [Pair("__metadata__", Tensor.Zeros(1))]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(FilePath(), [Pair("bad\ud800", Tensor.Zeros(1))]));
        Assert.Equal([FilePath()], Directory.GetFiles(directory));
        Assert.Equal(before, File.ReadAllBytes(FilePath()));
    }

    [Fact]
    public void ModuleCheckpointRoundTripsParametersAndOptimizerState()
    {
        var model = new TinyModel(new Rng(3));
        var adam = new Adam(model.NamedParameters(), learningRate: 0.01f);
        for (int step = 0; step < 3; step++)
        {
            foreach (var p in model.Parameters())
            {
                var g = p.EnsureGrad();
                for (int i = 0; i < g.Length; i++)
                {
                    g.Span[i] = p.Span[i] - 0.5f;
                }
            }
            adam.Step();
        }
        ModuleCheckpoint.Save(model, FilePath(), new Dictionary<string, string> { ["model"] = "tiny" }, adam);

        var restored = new TinyModel(new Rng(99));
        var restoredAdam = new Adam(restored.NamedParameters(), learningRate: 0.01f);
        var metadata = ModuleCheckpoint.Load(restored, FilePath(), restoredAdam);
        Assert.Equal("tiny", metadata["model"]);
        Assert.Equal(3, restoredAdam.StepCount);
        foreach (var ((name, a), (_, b)) in model.NamedParameters().Zip(restored.NamedParameters()))
        {
            Assert.True(a.ToArray().SequenceEqual(b.ToArray()), name);
        }
        foreach (var ((name, a), (_, b)) in adam.StateTensors().Zip(restoredAdam.StateTensors()))
        {
            Assert.True(a.ToArray().SequenceEqual(b.ToArray()), name);
        }

        // A model whose layer is wider fails and names the tensor.
        var wider = new TinyModel(new Rng(3), hidden: 5);
        var e = Assert.Throws<CheckpointMismatchException>(() => ModuleCheckpoint.Load(wider, FilePath(), strict: false));
        Assert.Contains("tensor 'layer.w' has shape [4, 3] in the file but [5, 3] in the model", e.Message);

        // Without the optimizer, strict loading reports the optimizer tensors as unexpected.
        e = Assert.Throws<CheckpointMismatchException>(() => ModuleCheckpoint.Load(new TinyModel(new Rng(3)), FilePath()));
        Assert.Contains("unexpected tensor 'adam.m.layer.w'", e.Message);
    }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    [InlineData(-1f)]
    [InlineData(1e30f)]
    public void AnOptimizerStepThatIsNotAStepCountIsAFormatErrorAndModifiesNothing(float step)
    {
        // A well-formed file whose optimizer step count no optimizer accepts (what a flipped data byte leaves).
        var saved = new TinyModel(new Rng(3));
        var adam = new Adam(saved.NamedParameters(), learningRate: 0.01f);
        var tensors = saved.NamedParameters().Concat(adam.StateTensors().Select(t => t.Key == "adam.step" ? Pair(t.Key, Tensor.Scalar(step)) : t));
        SafeTensorsFile.Save(FilePath(), tensors);

        var model = new TinyModel(new Rng(99));
        var optimizer = new Adam(model.NamedParameters(), learningRate: 0.01f);
        float[][] before = [.. model.Parameters().Select(p => p.ToArray())];
        var e = Assert.Throws<CheckpointFormatException>(() => ModuleCheckpoint.Load(model, FilePath(), optimizer));
        Assert.Contains("'adam.step' holds", e.Message);
        Assert.Equal(FilePath(), e.FilePath);
        Assert.Equal(before, model.Parameters().Select(p => p.ToArray()));
        Assert.Equal(0, optimizer.StepCount);
        Assert.All(optimizer.StateTensors().Where(t => t.Key != "adam.step"), t => Assert.All(t.Value.ToArray(), v => Assert.Equal(0f, v)));
    }

    [Theory]
    [InlineData(float.NaN, false)]
    [InlineData(float.NegativeInfinity, false)]
    [InlineData(float.PositiveInfinity, true)]
    public void AWeightThatIsNotFiniteIsAFormatErrorNamingTheTensorAndModifiesNothing(float value, bool withOptimizer)
    {
        var saved = new TinyModel(new Rng(3));
        saved.NamedParameters().First(p => p.Key == "layer.w").Value.Span[5] = value;
        var adam = new Adam(saved.NamedParameters(), learningRate: 0.01f);
        ModuleCheckpoint.Save(saved, FilePath(), optimizer: withOptimizer ? adam : null);

        var model = new TinyModel(new Rng(99));
        var optimizer = withOptimizer ? new Adam(model.NamedParameters(), learningRate: 0.01f) : null;
        float[][] before = [.. model.Parameters().Select(p => p.ToArray())];
        var e = Assert.Throws<CheckpointFormatException>(() => ModuleCheckpoint.Load(model, FilePath(), optimizer));
        Assert.Contains($"tensor 'layer.w' holds {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} at element 5 of 12", e.Message);
        Assert.Equal(before, model.Parameters().Select(p => p.ToArray()));
    }

    private byte[] SampleFile()
    {
        var rng = new Rng(5);
        return SafeTensorsFile.Serialize(
            [Pair("layer.w", Tensor.RandomNormal(rng, 1f, 2, 3)), Pair("layer.b", Tensor.RandomNormal(rng, 1f, 3)), Pair("s", Tensor.Scalar(4f))],
            new Dictionary<string, string> { ["format"] = "pt" });
    }

    private static void WriteRaw(string path, string json, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        File.WriteAllBytes(path, bytes);
    }

    private sealed class TinyModel : Module
    {
        public TinyModel(Rng rng, int hidden = 4)
        {
            RegisterParameter("scale", Tensor.RandomNormal(rng, 1f, 1));
            RegisterModule("layer", new Linear(rng, hidden, 3));
        }
    }

    private sealed class Linear : Module
    {
        public Linear(Rng rng, int rows, int cols)
        {
            RegisterParameter("w", Tensor.RandomNormal(rng, 1f, rows, cols));
            RegisterParameter("b", Tensor.Zeros(cols));
        }
    }
}
