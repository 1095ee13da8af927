using FastWeights.Autodiff;
using FastWeights.Kernels;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightProgrammers.Ops.Common;
using FastWeights.Nn;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Layers.FastWeightProgrammers;

/// <summary>
/// A multi-head fast-weight programmer layer (linear attention, DeltaNet, gated DeltaNet). For x_t ∈ ℝ^D:
/// q_t, k_t, v_t = W_q x_t, W_k x_t, W_v x_t (split into H heads; optionally through a short causal depthwise
/// convolution and SiLU); q_t, k_t ← norm(φ(·)) (feature map and normalisation of <see cref="FeatureMaps"/>); β_t = σ(w_β·x_t) (delta rules); α_t = σ(w_α·x_t + b_α) (gated rules);
/// the rule's fast weights give o_t = S_t q_t per head; y_t = W_o · LayerNorm_head(o_t).
/// Parameters: <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>beta_proj</c>, <c>alpha_proj</c>, <c>q_conv</c>/<c>k_conv</c>/<c>v_conv</c>
/// (<c>weight</c> [C, K], <c>bias</c> [C]), <c>out_norm</c>, <c>out_proj</c>. The options give the variants fla uses
/// (<see cref="FastWeightLayerOptions"/>): q scaled by d_k^−½, SiLU without the convolution, no biases, RMS output norm,
/// α = exp(−e^{A_log} softplus(w_α·x + dt_bias)) (<c>A_log</c>, <c>dt_bias</c>) and the output gate o ⊙ SiLU(W_g x) (<c>g_proj</c>).
/// </summary>
public sealed class FastWeightProgrammerLayer : SequenceMixer
{
    private readonly Linear qProj, kProj, vProj, outProj;
    private readonly Linear? betaProj, alphaProj, gateProj;
    private readonly Tensor? aLog, dtBias;
    private readonly ShortConv? qConv, kConv, vConv;
    private readonly NormModule? outNorm;

    /// <summary>Creates the layer with parameters drawn from <paramref name="rng"/>.</summary>
    public FastWeightProgrammerLayer(Rng rng, int modelDim, FastWeightLayerOptions options)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modelDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Heads);
        if ((options.KeyDim == 0 || options.ValueDim == 0) && modelDim % options.Heads != 0)
        {
            throw new ArgumentException($"the model size {modelDim} is not a multiple of the {options.Heads} heads");
        }
        Options = options;
        ModelDim = modelDim;
        Heads = options.Heads;
        KeyDim = options.KeyDim > 0 ? options.KeyDim : modelDim / Heads;
        ValueDim = options.ValueDim > 0 ? options.ValueDim : modelDim / Heads;
        qProj = RegisterModule("q_proj", new Linear(rng, modelDim, Heads * KeyDim, bias: false));
        kProj = RegisterModule("k_proj", new Linear(rng, modelDim, Heads * KeyDim, bias: false));
        vProj = RegisterModule("v_proj", new Linear(rng, modelDim, Heads * ValueDim, bias: false));
        if (IsDelta)
        {
            betaProj = RegisterModule("beta_proj", new Linear(rng, modelDim, Heads, bias: options.Biases));
        }
        if (IsGated && options.Decay == DecayGate.Sigmoid)
        {
            alphaProj = RegisterModule("alpha_proj", new Linear(rng, modelDim, Heads));
            alphaProj.Bias!.Span.Fill(options.GateBias);
        }
        else if (IsGated)
        {
            // α = exp(−e^{A_log} softplus(w_α·x + dt_bias)); fla's initialisation: A ~ U(0, 16), dt log-uniform in
            // [0.001, 0.1] (at least 1e-4), dt_bias = softplus⁻¹(dt) = dt + log(−expm1(−dt)).
            alphaProj = RegisterModule("alpha_proj", new Linear(rng, modelDim, Heads, bias: false));
            aLog = RegisterParameter("A_log", Tensor.Zeros(Heads));
            dtBias = RegisterParameter("dt_bias", Tensor.Zeros(Heads));
            for (int h = 0; h < Heads; h++)
            {
                aLog.Span[h] = MathF.Log(16f * rng.NextFloat());
                float dt = MathF.Max(1e-4f, MathF.Exp((rng.NextFloat() * (MathF.Log(0.1f) - MathF.Log(0.001f))) + MathF.Log(0.001f)));
                dtBias.Span[h] = dt + MathF.Log(-float.ExpM1(-dt));
            }
        }
        if (options.ShortConv)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ConvKernel);
            qConv = RegisterModule("q_conv", new ShortConv(rng, Heads * KeyDim, options.ConvKernel, options.Biases));
            kConv = RegisterModule("k_conv", new ShortConv(rng, Heads * KeyDim, options.ConvKernel, options.Biases));
            vConv = RegisterModule("v_conv", new ShortConv(rng, Heads * ValueDim, options.ConvKernel, options.Biases));
        }
        if (options.OutputGate)
        {
            gateProj = RegisterModule("g_proj", new Linear(rng, modelDim, Heads * ValueDim, bias: false));
        }
        if (options.OutputNorm)
        {
            outNorm = RegisterModule("out_norm", NormModule.Create(options.OutputNormKind, ValueDim, options.NormEps));
        }
        outProj = RegisterModule("out_proj", new Linear(rng, Heads * ValueDim, modelDim, bias: false));
    }

    /// <summary>The settings.</summary>
    public FastWeightLayerOptions Options { get; }

    /// <inheritdoc/>
    public override int ModelDim { get; }

    /// <summary>Heads H.</summary>
    public int Heads { get; }

    /// <summary>Key size per head d_k.</summary>
    public int KeyDim { get; }

    /// <summary>Size of φ(k) per head, the fast weights' column count (d_k, or 2·ν·d_k for DPFP-ν).</summary>
    public int FeatureDim => FeatureMaps.OutputDim(Options.FeatureMap, KeyDim, Options.DpfpNu);

    /// <summary>Value size per head d_v.</summary>
    public int ValueDim { get; }

    private bool IsDelta => Options.Rule.IsDelta();

    private bool IsGated => Options.Rule.HasDecay();

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Forward(x, null).Output;

    /// <summary>Runs whole sequences x [B, T, D] from the initial fast weights <paramref name="initialState"/> (null: zeros).</summary>
    /// <returns>y [B, T, D] and the final fast weights [B, H, d_v, d_k].</returns>
    public (Tensor Output, Tensor FinalState) Forward(Tensor x, Tensor? initialState)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 3 || x.Dim(2) != ModelDim)
        {
            throw new ArgumentException($"x must be [B, T, {ModelDim}], got {ShapeUtil.Format(x.Shape)}.", nameof(x));
        }
        return Mix(x, Programs(x, null), initialState);
    }

    // The rule's op over the programs of x from S0, then the read-out: y [B, T, D] and the final fast weights.
    private (Tensor Output, Tensor FinalState) Mix(Tensor x, (Tensor Q, Tensor K, Tensor V, Tensor? Beta, Tensor? Alpha) programs, Tensor? initialState)
    {
        int b = x.Dim(0), t = x.Dim(1);
        // [B, T, H, d] → [B, H, T, d]; the gates [B, T, H] → [B, H, T].
        var q = Heads4(programs.Q, b, t, FeatureDim);
        var k = Heads4(programs.K, b, t, FeatureDim);
        var v = Heads4(programs.V, b, t, ValueDim);
        var beta = programs.Beta is null ? null : TapeOps.Transpose(programs.Beta, 1, 2);
        var alpha = programs.Alpha is null ? null : TapeOps.Transpose(programs.Alpha, 1, 2);
        var mode = Options.Mode;
        if (mode == FastWeightComputeMode.Parallel && !Options.Rule.HasParallelForm())
        {
            mode = FastWeightComputeMode.Chunkwise;
        }
        var (o, final) = FastWeightOpCore.Forward(Options.Rule, q, k, v, alpha, beta, initialState, mode, Options.ChunkSize);
        var perToken = TapeOps.Transpose(o, 1, 2); // [B, T, H, d_v]
        return (Readout(perToken, x, b, t), final);
    }

    /// <summary>True: the rules' ops take an initial state, and the convolution an input history.</summary>
    public override bool CanCarryState => true;

    /// <summary>
    /// Mixes the segment x [B, T, D] from the fast weights and convolution history in <paramref name="state"/>, then
    /// writes the segment's final fast weights and its last K − 1 projected inputs into the state's buffers. The op and
    /// the convolution read copies of the incoming state, which are constants of the tape: the backward pass stops there.
    /// </summary>
    public override Tensor Forward(Tensor x, SequenceMixerState state)
    {
        ArgumentNullException.ThrowIfNull(x);
        var s = AsState(state);
        int b = CheckState(s);
        if (x.Rank != 3 || x.Dim(0) != b || x.Dim(2) != ModelDim)
        {
            throw new ArgumentException($"x must be [{b}, T, {ModelDim}] for the state's {b} sequences, got {ShapeUtil.Format(x.Shape)}.", nameof(x));
        }
        // The op may read its initial state again in the backward pass, after the state's buffer holds the final one.
        var (y, final) = Mix(x, Programs(x, s, segment: true), s.FastWeights.Clone());
        final.Span.CopyTo(s.FastWeights.Span);
        s.Position += x.Dim(1);
        return y;
    }

    /// <summary><c>fast_weights</c> [B, H, d_v, f] and, with the convolution, <c>q_history</c>, <c>k_history</c>, <c>v_history</c> [B, K − 1, C].</summary>
    public override IEnumerable<KeyValuePair<string, Tensor>> StateTensors(SequenceMixerState state)
    {
        var s = AsState(state);
        yield return new("fast_weights", s.FastWeights);
        if (s.QueryHistory is not null)
        {
            yield return new("q_history", s.QueryHistory);
            yield return new("k_history", s.KeyHistory!);
            yield return new("v_history", s.ValueHistory!);
        }
    }

    /// <inheritdoc/>
    public override bool SupportsStreaming => true;

    /// <summary>A fresh streaming state (zero fast weights, zero convolution history) for <paramref name="batch"/> sequences.</summary>
    public override FastWeightLayerState CreateState(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        int hist = Options.ConvKernel - 1;
        return new FastWeightLayerState(
            Tensor.Zeros(batch, Heads, ValueDim, FeatureDim),
            qConv is null ? null : Tensor.Zeros(batch, hist, Heads * KeyDim),
            kConv is null ? null : Tensor.Zeros(batch, hist, Heads * KeyDim),
            vConv is null ? null : Tensor.Zeros(batch, hist, Heads * ValueDim))
        {
            Scratch = NewScratch(batch),
        };
    }

    /// <inheritdoc/>
    public override Tensor Step(SequenceMixerState state, Tensor x) => Step(AsState(state), x);

    /// <summary>
    /// Consumes one token per sequence, x_t [B, D], updating <paramref name="state"/> in place with the rule's
    /// recurrent step (constant memory per token, no tape); returns y_t [B, D]. Runs as fused vector passes over
    /// buffers kept in the state: matrix–vector projections, the convolution and SiLU, φ and its normalisation,
    /// the gates, the per-head update and read of S, the per-head LayerNorm and W_o. Only y_t is allocated.
    /// </summary>
    public Tensor Step(FastWeightLayerState state, Tensor x)
    {
        int b = TokenBatch(state, x);
        var y = Tensor.Zeros(b, ModelDim);
        StepInto(state, x.Span, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public override void StepInto(SequenceMixerState state, ReadOnlySpan<float> x, Span<float> y) => StepInto(AsState(state), x, y);

    private static FastWeightLayerState AsState(SequenceMixerState? state) =>
        state as FastWeightLayerState ?? throw new ArgumentException($"expected the state of a {nameof(FastWeightProgrammerLayer)}, got {state?.GetType().Name ?? "null"}", nameof(state));

    /// <summary>
    /// The fast step: reads x_t [B, D] from <paramref name="x"/> and writes y_t [B, D] into <paramref name="y"/>
    /// (which must not overlap x), updating <paramref name="state"/>; allocates nothing once the state has its buffers.
    /// </summary>
    internal void StepInto(FastWeightLayerState state, ReadOnlySpan<float> x, Span<float> y)
    {
        int b = CheckState(state);
        int d = ModelDim, ck = Heads * KeyDim, cv = Heads * ValueDim, f = FeatureDim;
        if (x.Length != b * d || y.Length < b * d)
        {
            throw new ArgumentException($"x_t and y_t must hold [{b}, {d}]: got {x.Length} and {y.Length} floats.");
        }
        if (state.Scratch is not { } s || s.Batch != b || s.PhiQ.Length != b * Heads * f || s.Q.Length != b * ck || s.V.Length != b * cv || (s.QConv is null) != (qConv is null) || (s.Gate is null) != (gateProj is null))
        {
            s = state.Scratch = NewScratch(b);
        }

        // q, k, v = W_q x, W_k x, W_v x; with the short convolution, then SiLU.
        StreamingKernels.MatVec(qProj.Weight.Span, default, x, s.Q, b, ck, d);
        StreamingKernels.MatVec(kProj.Weight.Span, default, x, s.K, b, ck, d);
        StreamingKernels.MatVec(vProj.Weight.Span, default, x, s.V, b, cv, d);
        float[] q = s.Q, k = s.K, v = s.V;
        if (qConv is not null)
        {
            qConv.StepSilu(state.QueryHistory!, s.Q, s.QConv!, b);
            kConv!.StepSilu(state.KeyHistory!, s.K, s.KConv!, b);
            vConv!.StepSilu(state.ValueHistory!, s.V, s.VConv!, b);
            (q, k, v) = (s.QConv!, s.KConv!, s.VConv!);
        }
        else if (Options.SiluWithoutConv)
        {
            SiluInPlace(s.Q);
            SiluInPlace(s.K);
            SiluInPlace(s.V);
        }

        // φ and its normalisation per (batch, head); β = σ(w_β·x + b_β), α = σ(w_α·x + b_α).
        for (int r = 0; r < b * Heads; r++)
        {
            FeatureMaps.Row(Options.FeatureMap, Options.Normalization, Options.DpfpNu, q.AsSpan(r * KeyDim, KeyDim), s.PhiQ.AsSpan(r * f, f), s.Rectified);
            FeatureMaps.Row(Options.FeatureMap, Options.Normalization, Options.DpfpNu, k.AsSpan(r * KeyDim, KeyDim), s.PhiK.AsSpan(r * f, f), s.Rectified);
        }
        if (Options.ScaleQuery)
        {
            TensorPrimitives.Multiply(s.PhiQ, QueryScale, s.PhiQ);
        }
        if (betaProj is not null)
        {
            StreamingKernels.MatVec(betaProj.Weight.Span, betaProj.Bias is null ? default : betaProj.Bias.Span, x, s.Beta, b, Heads, d);
            TensorPrimitives.Sigmoid(s.Beta, s.Beta);
        }
        if (alphaProj is not null && aLog is null)
        {
            StreamingKernels.MatVec(alphaProj.Weight.Span, alphaProj.Bias!.Span, x, s.Alpha, b, Heads, d);
            TensorPrimitives.Sigmoid(s.Alpha, s.Alpha);
        }
        else if (alphaProj is not null)
        {
            StreamingKernels.MatVec(alphaProj.Weight.Span, default, x, s.Alpha, b, Heads, d);
            for (int r = 0; r < b * Heads; r++)
            {
                s.Alpha[r] = ExpSoftplusDecay(s.Alpha[r], r % Heads);
            }
        }
        if (gateProj is not null)
        {
            StreamingKernels.MatVec(gateProj.Weight.Span, default, x, s.Gate!, b, cv, d);
            SiluInPlace(s.Gate!);
        }

        // Per head: the rule's update of S and o = S q, then LayerNorm_head(o).
        switch (Options.Rule)
        {
            case FastWeightRule.Linear: StepHeads<SumRule>(state, s, v, b); break;
            case FastWeightRule.Decay: StepHeads<DecayedSumRule>(state, s, v, b); break;
            case FastWeightRule.Delta: StepHeads<DeltaRule>(state, s, v, b); break;
            default: StepHeads<GatedDeltaRule>(state, s, v, b); break;
        }
        StreamingKernels.MatVec(outProj.Weight.Span, default, s.O, y, b, d, cv);
        state.Position++;
    }

    // For each (batch, head): S ← the rule's update, o = S q (into s.O), then LayerNorm_head(o).
    private void StepHeads<TRule>(FastWeightLayerState state, FastWeightStepScratch s, float[] v, int b)
        where TRule : struct, IFastWeightRule
    {
        var fast = state.FastWeights.Span;
        int f = FeatureDim, size = ValueDim * f;
        for (int r = 0; r < b * Heads; r++)
        {
            var o = s.O.AsSpan(r * ValueDim, ValueDim);
            FastWeightStepKernel.Step<TRule>(fast.Slice(r * size, size), s.PhiQ.AsSpan(r * f, f), s.PhiK.AsSpan(r * f, f),
                v.AsSpan(r * ValueDim, ValueDim), TRule.HasDecay ? s.Alpha[r] : 1f, TRule.IsDelta ? s.Beta[r] : 1f, o, s.Work);
            outNorm?.Row(o, o);
        }
        if (s.Gate is not null)
        {
            TensorPrimitives.Multiply(s.O, s.Gate, s.O);
        }
    }

    // x ← x·σ(x), one element at a time (no scratch buffer); equals the tape's Silu to rounding.
    private static void SiluInPlace(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= 1f / (1f + MathF.Exp(-x[i]));
        }
    }

    /// <summary>The step through the generic tape ops (under no-grad), the reference the fast step is tested against.</summary>
    internal Tensor StepGeneric(FastWeightLayerState state, Tensor x)
    {
        int b = TokenBatch(state, x);
        using var _ = Tape.NoGrad();
        var (q, k, v, beta, alpha) = Programs(x.View(b, 1, ModelDim), state);
        var qt = q.View(b, Heads, FeatureDim);
        var kt = k.View(b, Heads, FeatureDim);
        var vt = v.View(b, Heads, ValueDim);
        var s = state.FastWeights;
        var o = FastWeightOpCore.Step(Options.Rule, s, qt, kt, vt, alpha?.View(b, Heads), beta?.View(b, Heads));
        state.Position++;
        return Readout(o.View(b, 1, Heads, ValueDim), x.View(b, 1, ModelDim), b, 1).View(b, ModelDim);
    }

    // The batch size B of one token x_t, after checking that x_t is [B, D] for the state's B.
    private int TokenBatch(FastWeightLayerState state, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(x);
        int b = state.FastWeights.Dim(0);
        if (x.Rank != 2 || x.Dim(0) != b || x.Dim(1) != ModelDim)
        {
            throw new ArgumentException($"x_t must be [{b}, {ModelDim}], got {ShapeUtil.Format(x.Shape)}.", nameof(x));
        }
        return b;
    }

    private FastWeightStepScratch NewScratch(int batch) => new(batch, Heads, KeyDim, ValueDim, FeatureDim, qConv is not null, gateProj is not null);

    // The state's batch size, after checking that its tensors fit this layer.
    private int CheckState(FastWeightLayerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var s = state.FastWeights;
        if (s.Rank != 4 || s.Dim(1) != Heads || s.Dim(2) != ValueDim || s.Dim(3) != FeatureDim)
        {
            throw new ArgumentException($"The state must be [B, {Heads}, {ValueDim}, {FeatureDim}], got {ShapeUtil.Format(s.Shape)}.", nameof(state));
        }
        int b = s.Dim(0), hist = Options.ConvKernel - 1;
        if (qConv is not null)
        {
            CheckHistory(state.QueryHistory, b, hist, Heads * KeyDim);
            CheckHistory(state.KeyHistory, b, hist, Heads * KeyDim);
            CheckHistory(state.ValueHistory, b, hist, Heads * ValueDim);
        }
        return b;
    }

    private static void CheckHistory(Tensor? history, int b, int hist, int c)
    {
        if (history is null || history.Rank != 3 || history.Dim(0) != b || history.Dim(1) != hist || history.Dim(2) != c)
        {
            throw new ArgumentException($"The convolution history must be [{b}, {hist}, {c}], got {(history is null ? "none" : ShapeUtil.Format(history.Shape))}.", "state");
        }
    }

    // Projections, convolution, feature map, normalisation and gates, all per token: q, k [B, T, H, d_k], v [B, T, H, d_v],
    // β, α [B, T, H]. With a streaming state, the convolution reads and then advances its history.
    private (Tensor Q, Tensor K, Tensor V, Tensor? Beta, Tensor? Alpha) Programs(Tensor x, FastWeightLayerState? state, bool segment = false)
    {
        int b = x.Dim(0), t = x.Dim(1);
        var q = qProj.Forward(x);
        var k = kProj.Forward(x);
        var v = vProj.Forward(x);
        if (qConv is not null)
        {
            q = Silu(segment ? ConvolveSegment(qConv, q, state!.QueryHistory!) : Convolve(qConv, q, state, 0));
            k = Silu(segment ? ConvolveSegment(kConv!, k, state!.KeyHistory!) : Convolve(kConv!, k, state, 1));
            v = Silu(segment ? ConvolveSegment(vConv!, v, state!.ValueHistory!) : Convolve(vConv!, v, state, 2));
        }
        else if (Options.SiluWithoutConv)
        {
            (q, k, v) = (Silu(q), Silu(k), Silu(v));
        }
        q = FeatureMaps.Normalize(Options.Normalization, FeatureMaps.Apply(Options.FeatureMap, TapeOps.Reshape(q, b, t, Heads, KeyDim), Options.DpfpNu));
        if (Options.ScaleQuery)
        {
            q = TapeOps.Scale(q, QueryScale);
        }
        k = FeatureMaps.Normalize(Options.Normalization, FeatureMaps.Apply(Options.FeatureMap, TapeOps.Reshape(k, b, t, Heads, KeyDim), Options.DpfpNu));
        v = TapeOps.Reshape(v, b, t, Heads, ValueDim);
        var beta = betaProj is null ? null : TapeOps.Sigmoid(betaProj.Forward(x));
        var alpha = alphaProj is null ? null
            : aLog is null ? TapeOps.Sigmoid(alphaProj.Forward(x))
            : TapeOps.Exp(TapeOps.Mul(TapeOps.Softplus(TapeOps.Add(alphaProj.Forward(x), dtBias!)), TapeOps.Scale(TapeOps.Exp(aLog), -1f)));
        return (q, k, v, beta, alpha);
    }

    // d_k^−½, the scale of φ(q) under ScaleQuery.
    private float QueryScale => 1f / MathF.Sqrt(KeyDim);

    // α = exp(−e^{A_log[h]} · softplus(z + dt_bias[h])) for one pre-activation z of head h (the streaming step).
    private float ExpSoftplusDecay(float z, int h) => MathF.Exp(-MathF.Exp(aLog!.Span[h]) * TapeOps.SoftplusValue(z + dtBias!.Span[h]));

    private static Tensor Convolve(ShortConv conv, Tensor u, FastWeightLayerState? state, int which)
    {
        if (state is null)
        {
            return conv.Forward(u, null);
        }
        var history = which switch { 0 => state.QueryHistory!, 1 => state.KeyHistory!, _ => state.ValueHistory! };
        var y = conv.Forward(u, history);
        // Shift the history left by one token and append u (T = 1 when streaming).
        var next = ShortConv.PushHistory(history, u);
        switch (which)
        {
            case 0: state.QueryHistory = next; break;
            case 1: state.KeyHistory = next; break;
            default: state.ValueHistory = next; break;
        }
        return y;
    }

    // A segment u [B, T, C] convolved after the history [B, K − 1, C] (read through a copy the backward pass may use), which
    // then becomes the last K − 1 inputs of [history; u], in place.
    private static Tensor ConvolveSegment(ShortConv conv, Tensor u, Tensor history)
    {
        var y = conv.Forward(u, history.Clone());
        int b = u.Dim(0), t = u.Dim(1), c = u.Dim(2), hist = history.Dim(1) * c;
        for (int bi = 0; bi < b; bi++)
        {
            var h = history.Span.Slice(bi * hist, hist);
            var rows = u.Span.Slice(bi * t * c, t * c);
            if (rows.Length >= hist)
            {
                rows[^hist..].CopyTo(h);
            }
            else
            {
                h[rows.Length..].CopyTo(h);
                rows.CopyTo(h[^rows.Length..]);
            }
        }
        return y;
    }

    private static Tensor Silu(Tensor x) => TapeOps.Mul(x, TapeOps.Sigmoid(x));

    private Tensor Heads4(Tensor x, int b, int t, int d) => TapeOps.Transpose(TapeOps.Reshape(x, b, t, Heads, d), 1, 2);

    // o [B, T, H, d_v] → per-head norm (→ ⊙ SiLU(W_g x) with the output gate) → [B, T, H·d_v] → W_o.
    private Tensor Readout(Tensor o, Tensor x, int b, int t)
    {
        if (outNorm is not null)
        {
            o = outNorm.Forward(o);
        }
        if (gateProj is not null)
        {
            o = TapeOps.Mul(o, Silu(TapeOps.Reshape(gateProj.Forward(x), b, t, Heads, ValueDim)));
        }
        return outProj.Forward(TapeOps.Reshape(o, b, t, Heads * ValueDim));
    }
}
