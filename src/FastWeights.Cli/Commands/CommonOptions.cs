using System.CommandLine;

namespace FastWeights.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Run() => new("--run", "-r") { Description = "Run directory written by 'fastweights train'", Required = true };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of text" };
}
