using System.Diagnostics;
using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Optim;
using FastWeights.Tasks;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Bench;

/// <summary>Stopwatch breakdown of our fw-rnn training step (forward, loss, backward, clipping, Adam): where the time goes.</summary>
internal static class FwRnnProfile
{
    /// <summary><c>fwrnn-profile [--hidden 50] [--form auto] [--steps 200] [--threads 1]</c>: prints the best-of-6 mean milliseconds of each phase.</summary>
    public static int Run(string[] args)
    {
        // One thread by default, as the benchmark; the process CPU time is then comparable to the phase sum.
        KernelThreads.MaxThreads = Sampling.IntOption(args, "--threads", 1);
        int hidden = Sampling.IntOption(args, "--hidden", 50);
        int steps = Sampling.IntOption(args, "--steps", 200);
        var form = Enum.Parse<FastWeightsForm>(Sampling.Option(args, "--form", "auto"), ignoreCase: true);
        var config = new TrainingConfig { Hidden = hidden, Form = form };
        var rng = new Rng(1);
        var task = new AssociativeRetrievalTask(4);
        var network = RunDirectory.CreateNetwork(config, rng);
        var optimizer = new Adam(network.NamedParameters(), config.LearningRate);
        var parameters = network.Parameters().ToArray();
        var named = network.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        int batch = config.Batch, length = task.Length;
        var inputs = new int[batch * length];
        var targets = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            targets[b] = task.Sample(rng, inputs.AsSpan(b * length, length));
        }
        var arena = new TensorArena();
        string[] names = ["project", "recur", "head", "loss", "backward", "clip", "adam", "reset"];
        var best = Enumerable.Repeat(double.MaxValue, names.Length).ToArray();
        double bestCpu = double.MaxValue;
        for (int round = 0; round < 6; round++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var total = new double[names.Length];
            for (int s = 0; s < steps; s++)
            {
                long t0 = Stopwatch.GetTimestamp();
                using (arena.Activate())
                {
                    var u = network.ProjectedInputs(inputs, batch, length);
                    long t1 = Stopwatch.GetTimestamp();
                    var h = network.Recurrent.Recur(u);
                    long t2 = Stopwatch.GetTimestamp();
                    var last = Ops.Reshape(Ops.Slice(h, 1, length - 1, 1), batch, hidden);
                    var logits = Ops.Linear(Ops.Relu(Ops.Linear(last, named["hidden.weight"], named["hidden.bias"])), named["output.weight"], named["output.bias"]);
                    long t3 = Stopwatch.GetTimestamp();
                    var loss = Ops.CrossEntropy(logits, targets);
                    long t4 = Stopwatch.GetTimestamp();
                    Tape.Backward(loss);
                    long t5 = Stopwatch.GetTimestamp();
                    GradientClipping.ClipGlobalNorm(parameters, 5f);
                    long t6 = Stopwatch.GetTimestamp();
                    optimizer.Step();
                    long t7 = Stopwatch.GetTimestamp();
                    foreach (var p in parameters)
                    {
                        p.ZeroGrad();
                    }
                    arena.Reset();
                    long t8 = Stopwatch.GetTimestamp();
                    long[] marks = [t0, t1, t2, t3, t4, t5, t6, t7, t8];
                    for (int i = 0; i < names.Length; i++)
                    {
                        total[i] += Stopwatch.GetElapsedTime(marks[i], marks[i + 1]).TotalMilliseconds;
                    }
                }
            }
            bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / steps);
            for (int i = 0; i < names.Length; i++)
            {
                best[i] = Math.Min(best[i], total[i] / steps);
            }
        }
        Console.WriteLine(string.Join("  ", names.Select((n, i) => $"{n} {best[i]:F3}")) + $"  | sum {best.Sum():F3} ms; process CPU {bestCpu:F3} ms/step");
        return 0;
    }
}
