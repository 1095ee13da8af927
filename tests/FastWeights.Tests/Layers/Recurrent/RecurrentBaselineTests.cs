using System.Numerics;
using FastWeights.Autodiff;
using FastWeights.Layers.AssociativeLstm;
using FastWeights.Layers.GruLn;
using FastWeights.Layers.Lstm;
using FastWeights.Layers.Recurrent;
using FastWeights.Tensors;

namespace FastWeights.Tests.Layers.Recurrent;

/// <summary>
/// The fused recurrent baselines (LSTM, GRU-LN, Associative LSTM) against plain float64 step-by-step references
/// written here, central finite differences (in float64, through the references) of the loss Σ H ⊙ W, and the tape.
/// </summary>
public class RecurrentBaselineTests
{
    private const double FdStep = 1e-6;

    // ---------- float64 references: one time step at a time, one unit at a time ----------

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>Σ_p w[row, p] · h[p] for w stored [rows, cols] row-major.</summary>
    private static double RowDot(double[] w, int row, double[] h)
    {
        double s = 0;
        for (int p = 0; p < h.Length; p++)
        {
            s += w[(row * h.Length) + p] * h[p];
        }
        return s;
    }

    private static double[] LstmReference(int batch, int steps, int r, double[] u, double[] wh)
    {
        var hs = new double[batch * steps * r];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[r];
            var c = new double[r];
            for (int t = 0; t < steps; t++)
            {
                int row = (b * steps) + t;
                var a = new double[4 * r];
                for (int q = 0; q < 4 * r; q++)
                {
                    a[q] = u[(row * 4 * r) + q] + RowDot(wh, q, h);
                }
                var hNew = new double[r];
                for (int j = 0; j < r; j++)
                {
                    double i = Sigmoid(a[j]), f = Sigmoid(a[r + j]), g = Math.Tanh(a[(2 * r) + j]), o = Sigmoid(a[(3 * r) + j]);
                    c[j] = (f * c[j]) + (i * g);
                    hNew[j] = o * Math.Tanh(c[j]);
                }
                h = hNew;
                Array.Copy(h, 0, hs, row * r, r);
            }
        }
        return hs;
    }

    private static double[] LayerNorm(double[] a, double[] gain, double[] bias, int offset)
    {
        int r = a.Length;
        double mean = a.Average();
        double variance = a.Select(x => (x - mean) * (x - mean)).Average();
        double std = Math.Sqrt(variance + GruLnKernel.Epsilon);
        return Enumerable.Range(0, r).Select(j => (gain[offset + j] * (a[j] - mean) / std) + bias[offset + j]).ToArray();
    }

    private static double[] GruLnReference(int batch, int steps, int r, double[] u, double[] wh, double[] gain, double[] bias)
    {
        var hs = new double[batch * steps * r];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[r];
            for (int t = 0; t < steps; t++)
            {
                int row = (b * steps) + t;
                double U(int q) => u[(row * 3 * r) + q];
                var s = Enumerable.Range(0, 3 * r).Select(q => RowDot(wh, q, h)).ToArray();
                var reset = LayerNorm(Enumerable.Range(0, r).Select(j => U(j) + s[j]).ToArray(), gain, bias, 0).Select(Sigmoid).ToArray();
                var update = LayerNorm(Enumerable.Range(0, r).Select(j => U(r + j) + s[r + j]).ToArray(), gain, bias, r).Select(Sigmoid).ToArray();
                var cand = LayerNorm(Enumerable.Range(0, r).Select(j => U((2 * r) + j) + (reset[j] * s[(2 * r) + j])).ToArray(), gain, bias, 2 * r).Select(Math.Tanh).ToArray();
                h = Enumerable.Range(0, r).Select(j => ((1 - update[j]) * h[j]) + (update[j] * cand[j])).ToArray();
                Array.Copy(h, 0, hs, row * r, r);
            }
        }
        return hs;
    }

    private sealed class BoundCounts
    {
        public int KeyClipped { get; set; }

        public int KeyInside { get; set; }

        public int RetrievalClipped { get; set; }

        public int RetrievalInside { get; set; }
    }

    private static Complex Bound(Complex z) => z / Math.Max(1.0, z.Magnitude);

    /// <summary>Associative LSTM with System.Numerics.Complex, straight from the paper's equations.</summary>
    private static double[] AssociativeLstmReference(int batch, int steps, int r, double[] u, double[] wh, int[][] perms, BoundCounts? counts = null)
    {
        int k = r / 2, width = 9 * k, copies = perms.Length;
        var hs = new double[batch * steps * r];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[r];
            var cells = new Complex[copies, k];
            for (int t = 0; t < steps; t++)
            {
                int row = (b * steps) + t;
                var a = Enumerable.Range(0, width).Select(q => u[(row * width) + q] + RowDot(wh, q, h)).ToArray();
                Complex Key(int block, int j)
                {
                    var z = new Complex(a[(3 * k) + (block * r) + j], a[(3 * k) + (block * r) + k + j]);
                    if (counts is not null)
                    {
                        if (z.Magnitude > 1)
                        {
                            counts.KeyClipped++;
                        }
                        else
                        {
                            counts.KeyInside++;
                        }
                    }
                    return Bound(z);
                }
                var keyIn = Enumerable.Range(0, k).Select(j => Key(0, j)).ToArray();
                var keyOut = Enumerable.Range(0, k).Select(j => Key(1, j)).ToArray();
                var value = Enumerable.Range(0, k).Select(j => Key(2, j)).ToArray();
                var hNew = new double[r];
                for (int j = 0; j < k; j++)
                {
                    double gf = Sigmoid(a[j]), gi = Sigmoid(a[k + j]), go = Sigmoid(a[(2 * k) + j]);
                    Complex m = Complex.Zero;
                    for (int s = 0; s < copies; s++)
                    {
                        cells[s, j] = (gf * cells[s, j]) + (keyIn[perms[s][j]] * (gi * value[j]));
                        m += keyOut[perms[s][j]] * cells[s, j];
                    }
                    m /= copies;
                    if (counts is not null)
                    {
                        if (m.Magnitude > 1)
                        {
                            counts.RetrievalClipped++;
                        }
                        else
                        {
                            counts.RetrievalInside++;
                        }
                    }
                    var hj = go * Bound(m);
                    hNew[j] = hj.Real;
                    hNew[k + j] = hj.Imaginary;
                }
                h = hNew;
                Array.Copy(h, 0, hs, row * r, r);
            }
        }
        return hs;
    }

    // ---------- helpers ----------

    private static float[] Random(Rng rng, int n, float std)
    {
        var x = new float[n];
        rng.FillNormal(x, 0f, std);
        return x;
    }

    private static double[] ToDouble(float[] x) => x.Select(v => (double)v).ToArray();

    private static double WeightedSum(double[] h, float[] w)
    {
        double s = 0;
        for (int i = 0; i < h.Length; i++)
        {
            s += h[i] * w[i];
        }
        return s;
    }

    /// <summary>Central differences of <paramref name="loss"/> with respect to every entry of <paramref name="x"/> (perturbed in place).</summary>
    private static double[] NumericGradient(double[] x, Func<double> loss)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double old = x[i];
            x[i] = old + FdStep;
            double plus = loss();
            x[i] = old - FdStep;
            double minus = loss();
            x[i] = old;
            g[i] = (plus - minus) / (2 * FdStep);
        }
        return g;
    }

    private static void AssertClose(ReadOnlySpan<float> actual, double[] expected, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) - (atol + (rtol * Math.Abs(expected[i])));
            if (excess > worst)
            {
                worst = excess;
                worstAt = i;
            }
        }
        Assert.True(worstAt < 0, worstAt < 0 ? string.Empty : $"{what}[{worstAt}]: got {actual[worstAt]}, expected {expected[worstAt]}");
    }

    /// <summary>A scalar Σ H ⊙ W recorded on the tape by hand (so the test does not depend on other ops).</summary>
    private static Tensor RecordedWeightedSum(Tensor h, float[] w)
    {
        var hv = h.Span;
        double s = 0;
        for (int i = 0; i < hv.Length; i++)
        {
            s += hv[i] * w[i];
        }
        var loss = Tensor.Scalar((float)s);
        if (Tape.ShouldRecord(h))
        {
            Tape.Record(loss, () =>
            {
                var g = loss.Grad;
                if (g is null)
                {
                    return;
                }
                float gv = g.Span[0];
                var gh = h.EnsureGrad().Span;
                for (int i = 0; i < gh.Length; i++)
                {
                    gh[i] += gv * w[i];
                }
            });
        }
        return loss;
    }

    // ---------- LSTM ----------

    [Theory]
    [InlineData(3, 1f)]
    [InlineData(5, 1.5f)]
    public void LstmForwardMatchesReference(int r, float scale)
    {
        const int batch = 2, steps = 4;
        var rng = new Rng(11);
        var u = Random(rng, batch * steps * 4 * r, scale);
        var wh = Random(rng, 4 * r * r, scale / MathF.Sqrt(r));
        var h = new float[batch * steps * r];
        LstmKernel.Forward(new LstmKernel.Workspace(batch, steps, r), u, wh, h);
        AssertClose(h, LstmReference(batch, steps, r, ToDouble(u), ToDouble(wh)), 1e-5, 1e-4, "H");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void LstmBackwardMatchesFiniteDifferences(int r)
    {
        const int batch = 2, steps = 4;
        var rng = new Rng(12);
        var u = Random(rng, batch * steps * 4 * r, 1f);
        var wh = Random(rng, 4 * r * r, 1f);
        var w = Random(rng, batch * steps * r, 1f);
        var ws = new LstmKernel.Workspace(batch, steps, r);
        LstmKernel.Forward(ws, u, wh, new float[batch * steps * r]);
        // Start from non-zero gradients to check that the kernel accumulates.
        var dU = Enumerable.Repeat(0.25f, u.Length).ToArray();
        var dWh = Enumerable.Repeat(-0.5f, wh.Length).ToArray();
        LstmKernel.Backward(ws, wh, w, dU, dWh);

        var ud = ToDouble(u);
        var whd = ToDouble(wh);
        double Loss() => WeightedSum(LstmReference(batch, steps, r, ud, whd), w);
        AssertClose(dU, NumericGradient(ud, Loss).Select(g => g + 0.25).ToArray(), 1e-4, 1e-3, "dU");
        AssertClose(dWh, NumericGradient(whd, Loss).Select(g => g - 0.5).ToArray(), 1e-4, 1e-3, "dWh");
    }

    [Fact]
    public void LstmOpRecordsOneBackwardOnTheTape()
    {
        const int batch = 2, steps = 4, r = 4;
        var rng = new Rng(13);
        var u = Tensor.FromArray(Random(rng, batch * steps * 4 * r, 1f), batch, steps, 4 * r);
        var wh = Tensor.FromArray(Random(rng, 4 * r * r, 0.5f), 4 * r, r);
        var w = Random(rng, batch * steps * r, 1f);
        u.RequiresGrad = true;
        wh.RequiresGrad = true;
        u.EnsureGrad().Span.Fill(1f);

        Tape.Reset();
        var h = LstmOp.Forward(u, wh);
        Assert.Equal(new[] { batch, steps, r }, h.ShapeArray());
        Assert.Equal(1, Tape.Current.Count);
        Tape.Backward(RecordedWeightedSum(h, w));

        var ws = new LstmKernel.Workspace(batch, steps, r);
        var hDirect = new float[h.Length];
        LstmKernel.Forward(ws, u.Span, wh.Span, hDirect);
        Assert.Equal(hDirect, h.ToArray());
        var dU = Enumerable.Repeat(1f, u.Length).ToArray();
        var dWh = new float[wh.Length];
        LstmKernel.Backward(ws, wh.Span, w, dU, dWh);
        Assert.Equal(dU, u.Grad!.ToArray());
        Assert.Equal(dWh, wh.Grad!.ToArray());
    }

    [Fact]
    public void LstmOpDoesNotRecordWithoutGradients()
    {
        var rng = new Rng(14);
        var u = Tensor.RandomNormal(rng, 1f, 1, 3, 8);
        var wh = Tensor.RandomNormal(rng, 1f, 8, 2);
        Tape.Reset();
        LstmOp.Forward(u, wh);
        Assert.Equal(0, Tape.Current.Count);
        u.RequiresGrad = true;
        using (Tape.NoGrad())
        {
            LstmOp.Forward(u, wh);
        }
        Assert.Equal(0, Tape.Current.Count);
        Assert.Throws<ArgumentException>(() => LstmOp.Forward(u, Tensor.Zeros(6, 2)));
    }

    [Fact]
    public void LstmOpWorkspaceReuseIsCheckedOnBackward()
    {
        var rng = new Rng(16);
        var u = Tensor.RandomNormal(rng, 1f, 2, 3, 8);
        var wh = Tensor.RandomNormal(rng, 0.5f, 8, 2);
        var w = Random(rng, 2 * 3 * 2, 1f);
        u.RequiresGrad = true;
        var ws = new LstmKernel.Workspace(1, 1, 2);

        // One workspace across training steps (forward, backward, forward, backward) is fine.
        Tape.Reset();
        Tape.Backward(RecordedWeightedSum(LstmOp.Forward(u, wh, ws), w));
        var first = u.Grad!.ToArray();
        u.ZeroGrad();
        Tape.Backward(RecordedWeightedSum(LstmOp.Forward(u, wh, ws), w));
        Assert.Equal(first, u.Grad!.ToArray());

        // Two calls in one graph sharing a workspace: the first call's saved activations are gone.
        var h1 = LstmOp.Forward(u, wh, ws);
        LstmOp.Forward(u, wh, ws);
        Assert.Throws<InvalidOperationException>(() => Tape.Backward(RecordedWeightedSum(h1, w)));
    }

    [Fact]
    public void LstmWorkspaceCanBeReusedAcrossSizes()
    {
        var rng = new Rng(15);
        const int r = 4;
        var ws = new LstmKernel.Workspace(3, 6, r);
        foreach (var (batch, steps) in new[] { (3, 6), (2, 4), (3, 7) })
        {
            var u = Random(rng, batch * steps * 4 * r, 1f);
            var wh = Random(rng, 4 * r * r, 0.5f);
            var w = Random(rng, batch * steps * r, 1f);
            var fresh = new LstmKernel.Workspace(batch, steps, r);
            var hFresh = new float[batch * steps * r];
            var hReused = new float[batch * steps * r];
            LstmKernel.Forward(fresh, u, wh, hFresh);
            ws.Resize(batch, steps, r);
            LstmKernel.Forward(ws, u, wh, hReused);
            Assert.Equal(hFresh, hReused);
            var gFresh = new float[wh.Length];
            var gReused = new float[wh.Length];
            LstmKernel.Backward(fresh, wh, w, default, gFresh);
            LstmKernel.Backward(ws, wh, w, default, gReused);
            Assert.Equal(gFresh, gReused);
        }
    }

    // ---------- GRU-LN ----------

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void GruLnForwardMatchesReference(int r)
    {
        const int batch = 2, steps = 4;
        var rng = new Rng(21);
        var u = Random(rng, batch * steps * 3 * r, 1f);
        var wh = Random(rng, 3 * r * r, 1f);
        var gain = Random(rng, 3 * r, 0.5f).Select(x => x + 1f).ToArray();
        var bias = Random(rng, 3 * r, 0.5f);
        var h = new float[batch * steps * r];
        GruLnKernel.Forward(new GruLnKernel.Workspace(batch, steps, r), u, wh, gain, bias, h);
        AssertClose(h, GruLnReference(batch, steps, r, ToDouble(u), ToDouble(wh), ToDouble(gain), ToDouble(bias)), 1e-5, 1e-4, "H");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void GruLnBackwardMatchesFiniteDifferences(int r)
    {
        const int batch = 2, steps = 4;
        var rng = new Rng(22);
        var u = Random(rng, batch * steps * 3 * r, 1f);
        var wh = Random(rng, 3 * r * r, 1f);
        var gain = Random(rng, 3 * r, 0.5f).Select(x => x + 1f).ToArray();
        var bias = Random(rng, 3 * r, 0.5f);
        var w = Random(rng, batch * steps * r, 1f);
        var ws = new GruLnKernel.Workspace(batch, steps, r);
        GruLnKernel.Forward(ws, u, wh, gain, bias, new float[batch * steps * r]);
        var dU = Enumerable.Repeat(0.25f, u.Length).ToArray();
        var dWh = Enumerable.Repeat(-0.5f, wh.Length).ToArray();
        var dGain = Enumerable.Repeat(1f, gain.Length).ToArray();
        var dBias = Enumerable.Repeat(2f, bias.Length).ToArray();
        GruLnKernel.Backward(ws, wh, gain, w, dU, dWh, dGain, dBias);

        var ud = ToDouble(u);
        var whd = ToDouble(wh);
        var gd = ToDouble(gain);
        var bd = ToDouble(bias);
        double Loss() => WeightedSum(GruLnReference(batch, steps, r, ud, whd, gd, bd), w);
        AssertClose(dU, NumericGradient(ud, Loss).Select(g => g + 0.25).ToArray(), 1e-4, 1e-3, "dU");
        AssertClose(dWh, NumericGradient(whd, Loss).Select(g => g - 0.5).ToArray(), 1e-4, 1e-3, "dWh");
        AssertClose(dGain, NumericGradient(gd, Loss).Select(g => g + 1).ToArray(), 1e-4, 1e-3, "dGain");
        AssertClose(dBias, NumericGradient(bd, Loss).Select(g => g + 2).ToArray(), 1e-4, 1e-3, "dBias");
    }

    [Fact]
    public void GruLnOpRecordsOneBackwardOnTheTape()
    {
        const int batch = 2, steps = 4, r = 4;
        var rng = new Rng(23);
        var u = Tensor.FromArray(Random(rng, batch * steps * 3 * r, 1f), batch, steps, 3 * r);
        var wh = Tensor.FromArray(Random(rng, 3 * r * r, 0.5f), 3 * r, r);
        var gain = Tensor.FromArray(Random(rng, 3 * r, 0.3f).Select(x => x + 1f).ToArray(), 3 * r);
        var bias = Tensor.FromArray(Random(rng, 3 * r, 0.3f), 3 * r);
        var w = Random(rng, batch * steps * r, 1f);
        u.RequiresGrad = true;
        wh.RequiresGrad = true;
        gain.RequiresGrad = true; // bias stays a constant: it must get no gradient

        Tape.Reset();
        var h = GruLnOp.Forward(u, wh, gain, bias);
        Assert.Equal(1, Tape.Current.Count);
        Tape.Backward(RecordedWeightedSum(h, w));

        var ws = new GruLnKernel.Workspace(batch, steps, r);
        var hDirect = new float[h.Length];
        GruLnKernel.Forward(ws, u.Span, wh.Span, gain.Span, bias.Span, hDirect);
        Assert.Equal(hDirect, h.ToArray());
        var dU = new float[u.Length];
        var dWh = new float[wh.Length];
        var dGain = new float[gain.Length];
        GruLnKernel.Backward(ws, wh.Span, gain.Span, w, dU, dWh, dGain, default);
        Assert.Equal(dU, u.Grad!.ToArray());
        Assert.Equal(dWh, wh.Grad!.ToArray());
        Assert.Equal(dGain, gain.Grad!.ToArray());
        Assert.Null(bias.Grad);
    }

    // ---------- Associative LSTM ----------

    /// <summary>
    /// Random U for the Associative LSTM; <paramref name="coherent"/> adds +2 to the gate pre-activations and +1.5
    /// to the real parts of r̂_i, r̂_o and û, so that the memory adds up in phase and |retrieval| exceeds 1.
    /// </summary>
    private static float[] AssociativeInputs(Rng rng, int rows, int r, float scale, bool coherent)
    {
        int k = r / 2, width = AssociativeLstmKernel.ProjectionWidth(r);
        var u = Random(rng, rows * width, scale);
        if (coherent)
        {
            for (int row = 0; row < rows; row++)
            {
                for (int j = 0; j < 3 * k; j++)
                {
                    u[(row * width) + j] += 2f;
                }
                for (int part = 0; part < 3; part++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        u[(row * width) + (3 * k) + (part * r) + j] += 1.5f;
                    }
                }
            }
        }
        return u;
    }

    [Theory]
    [InlineData(4, 1, 1f, false)]
    [InlineData(6, 3, 1f, false)]
    [InlineData(4, 2, 3f, false)]
    [InlineData(4, 1, 0.5f, true)]
    public void AssociativeLstmForwardMatchesReference(int r, int copies, float scale, bool coherent)
    {
        const int batch = 2, steps = 4;
        var rng = new Rng(31);
        var perms = AssociativeLstmKernel.CreatePermutations(rng, copies, r / 2);
        int width = AssociativeLstmKernel.ProjectionWidth(r);
        var u = AssociativeInputs(rng, batch * steps, r, scale, coherent);
        var wh = Random(rng, width * r, 0.5f);
        var h = new float[batch * steps * r];
        AssociativeLstmKernel.Forward(new AssociativeLstmKernel.Workspace(batch, steps, r, copies), u, wh, perms, h);
        AssertClose(h, AssociativeLstmReference(batch, steps, r, ToDouble(u), ToDouble(wh), perms), 1e-5, 1e-4, "H");
    }

    [Theory]
    [InlineData(4, 1, 1f, false)]
    [InlineData(6, 3, 1f, false)]
    [InlineData(4, 2, 3f, false)]
    [InlineData(4, 1, 0.5f, true)]
    [InlineData(6, 2, 0.5f, true)]
    public void AssociativeLstmBackwardMatchesFiniteDifferences(int r, int copies, float scale, bool coherent)
    {
        const int batch = 2, steps = 4;
        var rng = new Rng(32);
        var perms = AssociativeLstmKernel.CreatePermutations(rng, copies, r / 2);
        int width = AssociativeLstmKernel.ProjectionWidth(r);
        var u = AssociativeInputs(rng, batch * steps, r, scale, coherent);
        var wh = Random(rng, width * r, 0.5f);
        var w = Random(rng, batch * steps * r, 1f);
        var ws = new AssociativeLstmKernel.Workspace(batch, steps, r, copies);
        AssociativeLstmKernel.Forward(ws, u, wh, perms, new float[batch * steps * r]);
        var dU = Enumerable.Repeat(0.25f, u.Length).ToArray();
        var dWh = Enumerable.Repeat(-0.5f, wh.Length).ToArray();
        AssociativeLstmKernel.Backward(ws, wh, perms, w, dU, dWh);

        var ud = ToDouble(u);
        var whd = ToDouble(wh);
        double Loss() => WeightedSum(AssociativeLstmReference(batch, steps, r, ud, whd, perms), w);
        AssertClose(dU, NumericGradient(ud, Loss).Select(g => g + 0.25).ToArray(), 1e-4, 1e-3, "dU");
        AssertClose(dWh, NumericGradient(whd, Loss).Select(g => g - 0.5).ToArray(), 1e-4, 1e-3, "dWh");
    }

    [Fact]
    public void AssociativeLstmGradientCasesExerciseBothBranchesOfBound()
    {
        // The finite-difference cases above must cover clipped (|z| > 1) and unclipped keys and retrievals.
        int retrievalClipped = 0, retrievalInside = 0;
        foreach (var (r, copies, scale, coherent) in new[] { (4, 1, 1f, false), (4, 2, 3f, false), (4, 1, 0.5f, true) })
        {
            var rng = new Rng(32);
            var perms = AssociativeLstmKernel.CreatePermutations(rng, copies, r / 2);
            int width = AssociativeLstmKernel.ProjectionWidth(r);
            var u = AssociativeInputs(rng, 2 * 4, r, scale, coherent);
            var wh = Random(rng, width * r, 0.5f);
            var counts = new BoundCounts();
            AssociativeLstmReference(2, 4, r, ToDouble(u), ToDouble(wh), perms, counts);
            Assert.True(counts.KeyClipped > 0 && counts.KeyInside > 0, $"keys: {counts.KeyClipped} clipped, {counts.KeyInside} inside");
            retrievalClipped += counts.RetrievalClipped;
            retrievalInside += counts.RetrievalInside;
        }
        Assert.True(retrievalClipped > 0 && retrievalInside > 0, $"retrievals: {retrievalClipped} clipped, {retrievalInside} inside");
    }

    [Fact]
    public void AssociativeLstmOpRecordsOneBackwardOnTheTape()
    {
        const int batch = 2, steps = 4, r = 6, copies = 2;
        var rng = new Rng(33);
        int width = AssociativeLstmKernel.ProjectionWidth(r);
        var perms = AssociativeLstmKernel.CreatePermutations(rng, copies, r / 2);
        var u = Tensor.FromArray(Random(rng, batch * steps * width, 1f), batch, steps, width);
        var wh = Tensor.FromArray(Random(rng, width * r, 0.5f), width, r);
        var w = Random(rng, batch * steps * r, 1f);
        u.RequiresGrad = true;
        wh.RequiresGrad = true;

        Tape.Reset();
        var h = AssociativeLstmOp.Forward(u, wh, perms);
        Assert.Equal(new[] { batch, steps, r }, h.ShapeArray());
        Assert.Equal(1, Tape.Current.Count);
        Tape.Backward(RecordedWeightedSum(h, w));

        var ws = new AssociativeLstmKernel.Workspace(batch, steps, r, copies);
        var hDirect = new float[h.Length];
        AssociativeLstmKernel.Forward(ws, u.Span, wh.Span, perms, hDirect);
        Assert.Equal(hDirect, h.ToArray());
        var dU = new float[u.Length];
        var dWh = new float[wh.Length];
        AssociativeLstmKernel.Backward(ws, wh.Span, perms, w, dU, dWh);
        Assert.Equal(dU, u.Grad!.ToArray());
        Assert.Equal(dWh, wh.Grad!.ToArray());

        // Null permutations mean one copy with the identity.
        var single = AssociativeLstmOp.Forward(u, wh);
        var reference = AssociativeLstmReference(batch, steps, r, ToDouble(u.ToArray()), ToDouble(wh.ToArray()), [[0, 1, 2]]);
        AssertClose(single.Span, reference, 1e-5, 1e-4, "H (one copy)");
        Tape.Reset();
        Assert.Throws<ArgumentException>(() => AssociativeLstmOp.Forward(Tensor.Zeros(1, 2, 13), Tensor.Zeros(13, 3)));
    }

    // ---------- initialisation ----------

    [Fact]
    public void InitialisationFollowsTheDocumentedChoices()
    {
        var rng = new Rng(41);
        const int r = 5;
        var wh = LstmInit.LstmRecurrentWeights(rng, r);
        Assert.Equal(new[] { 4 * r, r }, wh.ShapeArray());
        for (int block = 0; block < 4; block++)
        {
            for (int i = 0; i < r; i++)
            {
                for (int j = 0; j < r; j++)
                {
                    double dot = 0;
                    for (int p = 0; p < r; p++)
                    {
                        dot += wh[(block * r) + i, p] * wh[(block * r) + j, p];
                    }
                    Assert.Equal(i == j ? 1.0 : 0.0, dot, 5);
                }
            }
        }
        var bias = LstmInit.LstmBias(r).ToArray();
        Assert.Equal(Enumerable.Range(0, 4 * r).Select(i => i >= r && i < 2 * r ? 1f : 0f), bias);
        Assert.Equal(new[] { 27, 6 }, AssociativeLstmInit.AssociativeLstmRecurrentWeights(rng, 6).ShapeArray());
        Assert.Equal(new[] { 1f, 1f, 1f, 0f }, AssociativeLstmInit.AssociativeLstmBias(6).ToArray()[..4]);
        Assert.All(GruLnInit.GruLnGain(r).ToArray(), g => Assert.Equal(1f, g));
    }
}
