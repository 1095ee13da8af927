using System.CommandLine;
using System.Reflection;
using FastWeights.Models;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Training;

namespace FastWeights.Cli.Commands;

/// <summary>
/// The options of <c>fastweights train</c>, made from the <see cref="SettingAttribute"/> declarations of
/// <see cref="TrainingConfig"/>: one option per setting, its default the property's initial value, its help text
/// prefixed by the part that reads it. A new setting is one property with its attribute; nothing here changes.
/// </summary>
internal sealed class TrainingOptions
{
    private readonly List<(PropertyInfo Property, Option Option, Func<ParseResult, object?> Read)> settings = [];

    /// <summary>Makes the options of every setting, or of those <paramref name="include"/> accepts (the others keep their defaults).</summary>
    public TrainingOptions(Func<SettingAttribute, bool>? include = null)
    {
        var defaults = new TrainingConfig();
        // By part (the training loop, the optimizer, the tasks, the model families), then in declaration order.
        var declared = typeof(TrainingConfig).GetProperties()
            .Select(p => (Property: p, Setting: p.GetCustomAttribute<SettingAttribute>()))
            .Where(p => p.Setting is not null && (include is null || include(p.Setting)))
            .OrderBy(p => p.Setting!.Part)
            .ThenBy(p => p.Property.MetadataToken);
        foreach (var (property, setting) in declared)
        {
            var make = typeof(TrainingOptions).GetMethod(nameof(Make), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(property.PropertyType);
            var (option, read) = ((Option, Func<ParseResult, object?>))make.Invoke(null, [setting, Describe(setting!), property.GetValue(defaults)])!;
            settings.Add((property, option, read));
        }
    }

    /// <summary>The options, by part and in the order each part declares them.</summary>
    public IEnumerable<Option> All => settings.Select(s => s.Option);

    /// <summary>The flags of the options given on the command line (not left at their defaults), in the order of <see cref="All"/>.</summary>
    public IReadOnlyList<string> Given(ParseResult parse) =>
        [.. settings.Where(s => parse.GetResult(s.Option) is { Implicit: false }).Select(s => s.Option.Name)];

    /// <summary>The configuration the parsed options describe (model names resolved, task names lower case); not yet validated.</summary>
    public TrainingConfig Read(ParseResult parse)
    {
        var config = new TrainingConfig();
        foreach (var (property, _, read) in settings)
        {
            property.SetValue(config, read(parse));
        }
        return config with { Model = ModelCatalog.Find(config.Model).Name, Task = config.Task.ToLowerInvariant(), Optimizer = config.Optimizer.ToLowerInvariant() };
    }

    private static string Describe(SettingAttribute setting)
    {
        string text = setting.Flag switch
        {
            "--model" => $"Model: {ModelCatalog.ValidNames} (see 'fastweights models')",
            "--task" => "Task: " + string.Join("; ", TaskCatalog.All.Select(t => $"{t.Name}, {t.Description}")),
            "--optimizer" => "Optimizer: " + string.Join("; ", OptimizerCatalog.All.Select(o => $"{o.Name}, {o.Description}")),
            _ => setting.Description,
        };
        return setting.Scope is { } scope ? $"{scope}: {text}" : text;
    }

    private static (Option, Func<ParseResult, object?>) Make<T>(SettingAttribute setting, string description, T defaultValue)
    {
        var option = setting.Alias is { } alias ? new Option<T>(setting.Flag, alias) : new Option<T>(setting.Flag);
        option.Description = description;
        option.DefaultValueFactory = _ => defaultValue;
        return (option, p => p.GetValue(option));
    }
}
