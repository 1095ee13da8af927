using System.CommandLine;
using System.Globalization;
using FastWeights.Autodiff;
using FastWeights.Layers.FastWeightRnn;
using FastWeights.Models;
using FastWeights.Tasks;
using FastWeights.Tasks.Glimpses;
using FastWeights.Tensors;
using FastWeights.Training;
using ScottPlot;

namespace FastWeights.Cli.Commands;

/// <summary>
/// <c>fastweights inspect</c>: for a fast-weights run and one sequence, heat maps of the fast-weight matrix A(t)
/// at every step, of the attention weights over the stored past hidden states, and of the hidden states.
/// </summary>
internal static class InspectCommand
{
    /// <summary>The longest sequence inspect draws: one A(t) image per symbol, so at most this many plus two PNGs.</summary>
    public const int MaxSymbols = 200;

    public static Command Create(TextWriter stdout)
    {
        var run = CommonOptions.Run();
        var sequence = new Argument<string>("SEQUENCE") { Description = "A sequence such as c9k8j3f1??c, at most 200 symbols (for an image run: omit it and give --image N)", Arity = ArgumentArity.ZeroOrOne };
        var image = new Option<int?>("--image") { Description = "Image runs: inspect the N-th image of the run's test split" };
        var output = new Option<string>("--out", "-o") { Description = "Directory for the PNG files", Required = true }.NonEmptyPath();
        var cmd = new Command("inspect", "Show what the fast memory holds: heat maps of A(t) and of the attention over past hidden states (image runs: the glimpses and what the last step attends to).") { run, sequence, image, output };
        cmd.SetAction(p =>
        {
            if (p.GetValue(image) is { } n)
            {
                return InspectImage(stdout, p.GetValue(run)!, n, p.GetValue(output)!);
            }
            string seq = p.GetValue(sequence) ?? throw new CliException("give a sequence (or --image N for an image run)");
            if (seq.Length == 0)
            {
                throw new CliException("empty sequence");
            }
            if (seq.Length > MaxSymbols)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"the sequence has {seq.Length:N0} symbols; inspect draws an image of A(t) for each and takes at most {MaxSymbols}"));
            }
            var ids = AssociativeRetrievalTask.Parse(seq);
            string dir = p.GetValue(run)!;
            var (config, network) = RunDirectory.LoadNetwork(dir);
            if (network.Recurrent is not FastWeightRnnLayer layer || !layer.Options.UseFastWeights)
            {
                throw new CliException($"run '{dir}' is a {config.Model} model, which has no fast weights to inspect (train --model fw-rnn)");
            }
            EnsureTraceFits(config, ids.Length, layer);
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

    // An image run: the image with its glimpses in order, each box drawn as strongly as the last step's fast-weights
    // attention on the hidden state stored after that glimpse, and the attention of every step over the earlier ones.
    private static int InspectImage(TextWriter stdout, string dir, int index, string outDir)
    {
        var (config, model) = RunDirectory.LoadModel(dir);
        if (model is not GlimpseNetwork network)
        {
            throw new CliException($"--image is for image runs of a recurrent model; run '{dir}' is {config.Model} on --task {config.Task}");
        }
        if (network.Recurrent is not FastWeightRnnLayer layer || !layer.Options.UseFastWeights)
        {
            throw new CliException($"run '{dir}' is a {config.Model} model, which has no fast weights to inspect (train --model fw-rnn)");
        }
        EnsureTraceFits(config, GlimpseSequence.Count, layer);
        var test = RunDirectory.Splits(config, model).Test;
        if (index < 0 || index >= test.Count)
        {
            throw new CliException($"--image {index}: the run's test split holds images 0 to {test.Count - 1}");
        }
        var ids = test.Sequence(index).ToArray();
        int label = test.TargetsOf(index)[^1];
        int steps = GlimpseSequence.Count;
        FastWeightRnnTrace trace;
        int answer;
        using (Tape.NoGrad())
        {
            var inputs = Tensor.Zeros(1, steps, GlimpseSequence.InputSize);
            GlimpseSequence.Extract(ids, 1, GlimpseTask.Shape, inputs.Span);
            var u = layer.Project(inputs);
            trace = FastWeightRnnKernel.Trace(layer.Options, steps, layer.HiddenSize, u.ToArray(), layer.RecurrentWeight.ToArray(), layer.Gain?.ToArray() ?? [], layer.Bias?.ToArray() ?? []);
            answer = TensorPrimitives.IndexOfMax(network.Forward(ids, 1, ids.Length).Span);
        }
        Directory.CreateDirectory(outDir);
        var attention = trace.LastInnerStepAttention();
        string glimpses = Path.Combine(outDir, "glimpses.png");
        DrawGlimpses(ids, attention, label, answer, glimpses);
        Heatmap(attention, 1, 1, "Attention of glimpse step t on the hidden state stored after glimpse tau", "stored after glimpse tau", "step t", Path.Combine(outDir, "attention.png"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test image {index} (label {label}) -> {answer}; wrote glimpses.png and attention.png to {outDir}"));
        return ExitCodes.Ok;
    }

    // The trace keeps A(t) for every step (R × R each) and the attention of every inner step over the earlier steps:
    // refused before it is computed when that exceeds the memory the run may use beyond its model.
    private static void EnsureTraceFits(TrainingConfig config, int steps, FastWeightRnnLayer layer)
    {
        double r = layer.HiddenSize, t = steps;
        double bytes = sizeof(float) * (((t + 1) * r * r) + (layer.Options.InnerSteps * t * t) + (t * r));
        double left = MemoryEstimate.AvailableBytes(config) - MemoryEstimate.ForEvaluation(config, withData: false).TotalBytes;
        if (bytes > left)
        {
            throw new CliException($"inspecting {steps} steps of R = {layer.HiddenSize} needs about {MemoryEstimate.Gigabytes(bytes)} GB for A(t) at every step, more than the {MemoryEstimate.Gigabytes(Math.Max(left, 0))} GB left; inspect a shorter sequence");
        }
    }

    private static void DrawGlimpses(int[] ids, double[,] attention, int label, int answer, string path)
    {
        int side = GlimpseSequence.ImageSide, last = GlimpseSequence.Count - 1;
        var grey = new double[side, side];
        for (int r = 0; r < side; r++)
        {
            for (int c = 0; c < side; c++)
            {
                grey[r, c] = ids[(r * side) + c];
            }
        }
        var plot = new Plot();
        var hm = plot.Add.Heatmap(grey); // ScottPlot draws row 0 at the top, as the image reads
        hm.Rectangle = new CoordinateRect(0, side, 0, side);
        hm.Colormap = new ScottPlot.Colormaps.Grayscale();
        // The last step's attention over the stored states, scaled so the strongest is drawn fully.
        double max = 0;
        for (int tau = 0; tau < last; tau++)
        {
            max = double.IsNaN(attention[last, tau]) ? max : Math.Max(max, Math.Abs(attention[last, tau]));
        }
        for (int g = 0; g < GlimpseSequence.Count; g++)
        {
            var box = GlimpseSequence.Glimpses[g];
            double weight = g < last && max > 0 && !double.IsNaN(attention[last, g]) ? Math.Abs(attention[last, g]) / max : 0;
            // Coarse boxes inset by half a pixel so the fine boxes inside them stay visible.
            double inset = box.Size > GlimpseSequence.Resolution ? 0.25 : 0.6;
            var rect = plot.Add.Rectangle(box.Left + inset, box.Left + box.Size - inset, side - box.Top - box.Size + inset, side - box.Top - inset);
            rect.FillStyle.Color = Colors.Transparent;
            rect.LineStyle.Color = (box.Size > GlimpseSequence.Resolution ? Colors.DeepSkyBlue : Colors.Orange).WithAlpha(0.25 + (0.75 * weight));
            rect.LineStyle.Width = (float)(1 + (5 * weight));
            // A glimpse shown twice (the coarse quadrants) is labelled once with both indices ("1,5").
            int first = Enumerable.Range(0, GlimpseSequence.Count).First(k => GlimpseSequence.Glimpses[k] == box);
            if (first != g)
            {
                continue;
            }
            string name = string.Join(',', Enumerable.Range(0, GlimpseSequence.Count).Where(k => GlimpseSequence.Glimpses[k] == box).Select(k => (k + 1).ToString(CultureInfo.InvariantCulture)));
            var text = plot.Add.Text(name, box.Left + inset + 0.3, side - box.Top - inset - 0.3);
            text.LabelFontColor = box.Size > GlimpseSequence.Resolution ? Colors.DeepSkyBlue : Colors.Orange;
            text.LabelFontSize = box.Size > GlimpseSequence.Resolution ? 14 : 11;
            text.LabelAlignment = Alignment.UpperLeft;
        }
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Glimpses in order (blue 14×14 coarse, orange 7×7 fine)\nline strength: step {last + 1}'s attention · label {label}, answer {answer}"));
        plot.Axes.SetLimits(0, side, 0, side);
        plot.HideGrid();
        AtomicFile.WriteVia(path, tmp => plot.SavePng(tmp, 800, 820));
    }

    // Attention of each step (last inner iteration) over the stored hidden states, NaN where none.
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
        Heatmap(trace.LastInnerStepAttention(), 1, 1, "Attention eta*lambda^(t-tau)*<h(tau), h_S> of step t on stored h(tau)", "stored hidden state tau (after symbol tau)", "step t (reading symbol t)", Path.Combine(outDir, "attention.png"));
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
        AtomicFile.WriteVia(path, tmp => plot.SavePng(tmp, 700, 600));
    }
}
