using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tasks.Glimpses;
using FastWeights.Training;

namespace FastWeights.Tests.Tasks.Glimpses;

public sealed class GlimpseTaskTests
{
    [Fact]
    public void SplitsCarveValidationFromTheEndOfTheTrainingFileAndCapSizes()
    {
        var task = new GlimpseTask(ImageDataSources.MnistDirectory, 0.1);
        var splits = task.Generate(1, 100_000, 100_000, 500);
        Assert.Equal((7200, 800, 500), (splits.Train.Count, splits.Validation.Count, splits.Test.Count));
        var train = ImageSet.Load(ImageDataSources.MnistDirectory, "train");
        // The validation split is the training file's last 800 images, whatever the seed.
        Assert.Equal(train.Image(7200).ToArray().Select(b => (int)b), splits.Validation.Sequence(0).ToArray());
        Assert.Equal(train.Labels[7999], splits.Validation.TargetsOf(799)[0]);
        Assert.Equal(splits.Validation.Inputs, task.Generate(99, 100_000, 100_000, 500).Validation.Inputs);
        Assert.Equal(784, splits.Train.Length);
        Assert.Equal(TargetLayout.OnePerSequence, splits.Train.Layout);
    }

    [Fact]
    public void SettingsAreCheckedByTheTask()
    {
        Assert.Contains("--data-dir", Assert.Throws<ArgumentException>(() => new GlimpseTask(null, 0.1)).Message);
        Assert.Contains("--validation-fraction", Assert.Throws<ArgumentException>(() => new GlimpseTask("d", 1.0)).Message);
        Assert.Contains("reads images only", Assert.Throws<ArgumentException>(() => new TrainingConfig { Model = "convnet" }.Validate()).Message);
    }

    [Fact]
    public void ImagesRoundTripThroughTextAndPgm()
    {
        var task = new GlimpseTask(ImageDataSources.MnistDirectory, 0.1);
        var test = task.Generate(1, 10, 10, 3).Test;
        string dir = Path.Combine(Path.GetTempPath(), "fw-glimpse-text-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "test.txt");
            task.WriteTextFile(test, path);
            var back = task.ReadTextFile(path);
            Assert.Equal(test.Inputs, back.Inputs);
            Assert.Equal(test.Targets, back.Targets);
            string pgm = Path.Combine(dir, "digit.pgm");
            Pgm.Write(pgm, test.Sequence(1), GlimpseTask.Shape);
            Assert.Equal(test.Sequence(1).ToArray(), task.Encode(pgm));
            File.WriteAllText(pgm, "P2\n27 28\n255\n0");
            Assert.Contains("27×28", Assert.Throws<FormatException>(() => task.Encode(pgm)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("fw-rnn", 0.6)]
    [InlineData("convnet", 0.6)]
    public void ReducedRunsLearnRealDigitsFarAboveChance(string model, double accuracy)
    {
        var config = new TrainingConfig
        {
            Task = "glimpses",
            DataDir = ImageDataSources.MnistDirectory,
            Model = model,
            Steps = model == "convnet" ? 60 : 200,
            EvalEvery = 1000,
            SaveEvery = 1000,
            TestSize = 1000,
            ValidationSize = 200,
        };
        string dir = Path.Combine(Path.GetTempPath(), "fw-glimpse-run-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = Trainer.Train(config, dir);
            Assert.Equal(TrainingOutcome.Completed, result.Outcome);
            // Chance is 10%.
            Assert.True(result.Test!.Accuracy > accuracy, $"{model}: test accuracy {result.Test.Accuracy:P1} after {config.Steps} steps");
            var loaded = RunDirectory.LoadModel(dir);
            Assert.IsType(model == "convnet" ? typeof(ConvNetClassifier) : typeof(GlimpseNetwork), loaded.Model);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
