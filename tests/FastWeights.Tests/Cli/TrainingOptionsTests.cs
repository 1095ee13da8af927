using System.CommandLine;
using System.Reflection;
using FastWeights.Cli.Commands;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Training;

namespace FastWeights.Tests.Cli;

/// <summary>The options of 'train' are made from the [Setting] declarations of TrainingConfig: one each, with its default.</summary>
public sealed class TrainingOptionsTests
{
    private static readonly PropertyInfo[] Declared = typeof(TrainingConfig).GetProperties().Where(p => p.GetCustomAttribute<SettingAttribute>() is not null).ToArray();

    [Fact]
    public void EverySettingIsOneOptionAndNothingElseIs()
    {
        var options = new TrainingOptions().All.Select(o => o.Name).ToArray();
        Assert.Equal(Declared.Select(p => p.GetCustomAttribute<SettingAttribute>()!.Flag).Order(), options.Order());
        Assert.Equal(options.Length, options.Distinct().Count());
        Assert.Contains("--kv-pairs", options);
        Assert.Contains("--hidden", options);
    }

    [Fact]
    public void NoOptionsGiveTheDefaultConfigurationAndEachOptionSetsItsProperty()
    {
        var settings = new TrainingOptions();
        var command = new Command("train");
        foreach (var o in settings.All)
        {
            command.Add(o);
        }
        Assert.Equal(new TrainingConfig(), settings.Read(command.Parse([])));

        var parsed = settings.Read(command.Parse(["--model", "DeltaNet", "--task", "MQAR", "--kv-pairs", "7", "-R", "33", "--lr", "0.01", "--form", "explicit", "--short-conv", "false", "--seed", "9"]));
        Assert.Equal(new TrainingConfig { Model = "deltanet", Task = "mqar", KvPairs = 7, Hidden = 33, LearningRate = 0.01f, Form = FastWeightsForm.Explicit, ShortConv = false, Seed = 9 }, parsed);
    }

    [Fact]
    public void ConfigJsonListsTheSettingsPartByPartAndReadsBack()
    {
        // fw-rnn on mqar: a recurrent mixer in a per-position model reads R and the block settings both.
        var config = new TrainingConfig { Model = "fw-rnn", Task = "mqar", KvPairs = 3, Hidden = 7 };
        using var doc = System.Text.Json.JsonDocument.Parse(config.ToJson());
        var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["format", "model", "task", "steps"], keys.Take(4));
        Assert.True(keys.IndexOf("clip_norm") < keys.IndexOf("vocab") && keys.IndexOf("kv_pairs") < keys.IndexOf("hidden") && keys.IndexOf("hidden") < keys.IndexOf("d_model"));
        // Every setting the run reads, once: the training loop's, the optimizer's, mqar's and the model's.
        var model = FastWeights.Models.ModelCatalog.Find("fw-rnn");
        var task = FastWeights.Tasks.TaskCatalog.Find("mqar");
        Assert.Equal(Declared.Count(p => TrainingConfig.Reads(p.GetCustomAttribute<SettingAttribute>()!, model, task)) + 1, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(config, TrainingConfig.FromJson(config.ToJson(), "config.json"));
    }
}
