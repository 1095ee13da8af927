using System.CommandLine;

namespace FastWeights.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Run() => new Option<string>("--run", "-r") { Description = "Run directory written by 'fastweights train'", Required = true }.NonEmptyPath();

    /// <summary>Refuses an empty or blank value of a path option with a one-line error naming it.</summary>
    public static T NonEmptyPath<T>(this T option)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (string.IsNullOrWhiteSpace(token.Value))
                {
                    result.AddError($"{option.Name} must name a path, not an empty string");
                }
            }
        });
        return option;
    }

    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of text" };
}
