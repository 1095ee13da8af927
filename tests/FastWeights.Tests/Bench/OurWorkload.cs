using System.Text.Json;

namespace FastWeights.Tests.Bench;

/// <summary>Runs one of our benchmark workloads in-process and parses the one JSON line it writes.</summary>
internal static class OurWorkload
{
    /// <summary>Runs <paramref name="workload"/> with <paramref name="args"/>; asserts exit code 0 and returns its JSON record.</summary>
    public static JsonElement Run(Func<string[], TextWriter, int> workload, params string[] args)
    {
        var output = new StringWriter();
        Assert.Equal(0, workload(args, output));
        return JsonDocument.Parse(output.ToString().Trim()).RootElement.Clone();
    }
}
