using System.CommandLine;
using System.Globalization;
using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Tasks;
using FastWeights.Training;
using ScottPlot;

namespace FastWeights.Cli.Commands;

/// <summary>
/// <c>fastweights inspect</c>: for a fast-weights run and one sequence, heat maps of the fast-weight matrix A(t)
/// at every step, of the attention weights over the stored past hidden states, and of the hidden states.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var sequence = new Argument<string>("SEQUENCE") { Description = "A sequence such as c9k8j3f1??c" };
        var output = new Option<string>("--out", "-o") { Description = "Directory for the PNG files", Required = true };
        var cmd = new Command("inspect", "Show what the fast memory holds: heat maps of A(t) and of the attention over past hidden states.") { run, sequence, output };
        cmd.SetAction(p =>
        {
            string seq = p.GetValue(sequence)!;
            if (seq.Length == 0)
            {
                throw new CliException("empty sequence");
            }
            var ids = AssociativeRetrievalVocabulary.Encode(seq);
            string dir = p.GetValue(run)!;
            var (config, network) = RunDirectory.LoadNetwork(dir);
            if (network.Recurrent is not FastWeightRnnLayer layer || !layer.Options.UseFastWeights)
            {
                throw new CliException($"run '{dir}' is a {config.Model} model, which has no fast weights to inspect (train --model fw-rnn)");
            }
            FastWeightRnnTrace trace;
            int answer;
            using (Tape.NoGrad())
            {
                var u = network.ProjectedInputs(ids, 1, ids.Length);
                trace = FastWeightRnnKernel.Trace(
                    layer.Options, ids.Length, layer.HiddenSize, u.ToArray(), layer.RecurrentWeight.ToArray(),
                    layer.Gain?.ToArray() ?? [], layer.Bias?.ToArray() ?? []);
                answer = TensorPrimitives.IndexOfMax(network.Forward(ids, 1, ids.Length).Span);
            }
            string outDir = p.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            int written = WriteImages(trace, seq, outDir);
            stdout.WriteLine($"{seq} -> {answer}; wrote {written} images to {outDir}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static int WriteImages(FastWeightRnnTrace trace, string seq, string outDir)
    {
        int t = trace.Steps, r = trace.Hidden, written = 0;
        // A(t) after reading symbol t (A(1..T); A(0) is zero).
        for (int step = 1; step <= t; step++)
        {
            var a = ToGrid(trace.FastWeights[step], r, r);
            Heatmap(a, 0, 0, string.Create(CultureInfo.InvariantCulture, $"A({step}) after reading '{seq[step - 1]}' (symbol {step} of {t})"), "unit j", "unit i", Path.Combine(outDir, string.Create(CultureInfo.InvariantCulture, $"fast-weights-{step:D2}.png")));
            written++;
        }
        // Attention of each step (last inner iteration) over the stored hidden states h(1..t).
        var att = new double[t, t];
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                att[i, j] = double.NaN;
            }
            var perInner = trace.Attention[i];
            if (perInner.Length == 0)
            {
                continue;
            }
            var last = perInner[^1];
            for (int tau = 0; tau < last.Length; tau++)
            {
                att[i, tau] = last[tau];
            }
        }
        Heatmap(att, 1, 1, "Attention eta*lambda^(t-tau)*<h(tau), h_S> of step t on stored h(tau)", "stored hidden state tau (after symbol tau)", "step t (reading symbol t)", Path.Combine(outDir, "attention.png"));
        written++;
        Heatmap(ToGrid(trace.HiddenStates, t, r), 0, 1, "Hidden states h(t) after each symbol", "unit", "symbol t", Path.Combine(outDir, "hidden-states.png"));
        written++;
        return written;
    }

    private static double[,] ToGrid(float[] values, int rows, int cols)
    {
        var g = new double[rows, cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                g[i, j] = values[(i * cols) + j];
            }
        }
        return g;
    }

    // Cell [row, col] is drawn centred at (col + firstX, row + firstY), row 0 at the bottom.
    private static void Heatmap(double[,] values, int firstX, int firstY, string title, string xLabel, string yLabel, string path)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var flipped = new double[rows, cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                flipped[rows - 1 - i, j] = values[i, j]; // ScottPlot draws the first row at the top
            }
        }
        var plot = new Plot();
        var hm = plot.Add.Heatmap(flipped);
        hm.Rectangle = new CoordinateRect(firstX - 0.5, firstX + cols - 0.5, firstY - 0.5, firstY + rows - 0.5);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(hm);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, 700, 600);
    }
}
