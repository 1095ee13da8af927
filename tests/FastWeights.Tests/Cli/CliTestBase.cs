using FastWeights.Cli;

namespace FastWeights.Tests.Cli;

/// <summary>Runs the tool in-process with captured output, in a temporary directory removed afterwards.</summary>
public abstract class CliTestBase : IDisposable
{
    protected CliTestBase(string prefix)
    {
        Root = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    /// <summary>The temporary directory of this test.</summary>
    protected string Root { get; }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, true);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <c>fastweights</c> with <paramref name="args"/>; returns the exit code and what it printed.</summary>
    protected static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
