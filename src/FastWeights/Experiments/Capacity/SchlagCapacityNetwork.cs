using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Layers.FastWeightProgrammers.Ops;
using FastWeights.Layers.FastWeightProgrammers.Ops.Delta;
using FastWeights.Layers.FastWeightProgrammers.Ops.Linear;
using FastWeights.Nn;
using FastWeights.Tensors;
using TapeOps = FastWeights.Autodiff.Ops;

namespace FastWeights.Experiments;

/// <summary>
/// The network of the capacity experiment as released with Schlag, Irie and Schmidhuber 2021 (§6.1): a write token
/// x_t = [onehot(v_t); E[key_t]] (E of size e = 1.1 · (S + V)) programs the memory with key k_t = φ(W_k x_t), value
/// v_t = onehot(v_t) (fixed, d_v = V) and, for the delta rule, β_t = σ(w_β·x_t); the query q = φ(W_q E[key]) only reads.
/// <list type="bullet">
/// <item>delta ("ours" in the paper's code): k, q sum-normalised, S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ, ŷ = S_L q.</item>
/// <item>linear (sum rule): S_L = Σ v_t φ(k_t)ᵀ, ŷ = S_L φ(q) / (z·φ(q) + 10⁻⁶) with z = Σ φ(k_t) (Katharopoulos et al.).</item>
/// </list>
/// ŷ is compared with onehot(target) by 0.5 · squared error. Parameters: <c>key_embedding</c>, <c>key</c>,
/// <c>key_value</c>, <c>beta</c>, <c>beta_value</c>, <c>query</c>.
/// </summary>
public sealed class SchlagCapacityNetwork : Module
{
    private readonly Embedding keyEmbedding;
    private readonly Linear keyProj;
    private readonly Tensor keyValue;
    private readonly Linear? betaProj;
    private readonly Tensor? betaValue;
    private readonly Linear queryProj;

    /// <summary>Creates the network for <paramref name="keys"/> keys, <paramref name="values"/> values and projection size <paramref name="hidden"/>.</summary>
    /// <param name="rng">Initialisation.</param>
    /// <param name="keys">Key symbols S.</param>
    /// <param name="values">Value symbols V (= d_v).</param>
    /// <param name="hidden">Size d of W_k x and W_q E[key] before φ (the paper's d = 64).</param>
    /// <param name="rule">Linear (sum rule) or Delta.</param>
    /// <param name="featureMap">φ; DPFP-ν doubles the feature size per ν (DPFP-1 on d = 64 gives 128 features).</param>
    /// <param name="dpfpNu">ν of DPFP.</param>
    public SchlagCapacityNetwork(Rng rng, int keys, int values, int hidden, FastWeightRule rule, FeatureMap featureMap, int dpfpNu = 1)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (rule is not (FastWeightRule.Linear or FastWeightRule.Delta))
        {
            throw new ArgumentException("the Schlag et al. capacity network has the linear (sum) and delta rules");
        }
        Rule = rule;
        FeatureMap = featureMap;
        DpfpNu = dpfpNu;
        Values = values;
        int e = (int)((keys + values) * 1.1);
        float u = 1f / MathF.Sqrt(hidden);
        keyEmbedding = RegisterModule("key_embedding", new Embedding(rng, keys, e));
        // W_k and W_q ~ U(±1/√d) as in the released code; the value columns of W_k act on onehot(v), i.e. a per-value row.
        keyProj = RegisterModule("key", new Linear(rng, e, hidden));
        Tensor.RandomUniform(rng, -u, u, hidden, e).Span.CopyTo(keyProj.Weight.Span);
        // The released code's W_k and W_β are nn.Linear(e + V, …): biases (and W_β) ~ U(±1/√(e + V)).
        float uw = 1f / MathF.Sqrt(e + values);
        Tensor.RandomUniform(rng, -uw, uw, hidden).Span.CopyTo(keyProj.Bias!.Span);
        keyValue = RegisterParameter("key_value", Tensor.RandomUniform(rng, -u, u, values, hidden));
        if (rule == FastWeightRule.Delta)
        {
            betaProj = RegisterModule("beta", new Linear(rng, e, 1));
            Tensor.RandomUniform(rng, -uw, uw, 1, e).Span.CopyTo(betaProj.Weight.Span);
            Tensor.RandomUniform(rng, -uw, uw, 1).Span.CopyTo(betaProj.Bias!.Span);
            betaValue = RegisterParameter("beta_value", Tensor.RandomUniform(rng, -uw, uw, values, 1));
        }
        queryProj = RegisterModule("query", new Linear(rng, e, hidden));
        Tensor.RandomUniform(rng, -u, u, hidden, e).Span.CopyTo(queryProj.Weight.Span);
        FeatureDim = FeatureMaps.OutputDim(featureMap, hidden, dpfpNu);
    }

    /// <summary>The update rule.</summary>
    public FastWeightRule Rule { get; }

    /// <summary>φ.</summary>
    public FeatureMap FeatureMap { get; }

    /// <summary>ν of DPFP.</summary>
    public int DpfpNu { get; }

    /// <summary>Value symbols V = d_v.</summary>
    public int Values { get; }

    /// <summary>Size of φ(k), the memory's key dimension.</summary>
    public int FeatureDim { get; }

    /// <summary>
    /// Retrievals ŷ [B, Q, V] for <paramref name="batch"/> sequences of <paramref name="length"/> writes (key ids and value
    /// ids laid out [B, L]) and <paramref name="queriesPerSequence"/> query keys per sequence (laid out [B, Q]).
    /// </summary>
    public Tensor Forward(ReadOnlySpan<int> keyIds, ReadOnlySpan<int> valueIds, int batch, int length, ReadOnlySpan<int> queryKeys, int queriesPerSequence)
    {
        int n = batch * length;
        if (keyIds.Length < n || valueIds.Length < n || queryKeys.Length < batch * queriesPerSequence)
        {
            throw new ArgumentException("key, value and query ids do not cover the batch");
        }
        keyIds = keyIds[..n];
        valueIds = valueIds[..n];
        var x = keyEmbedding.Forward(keyIds, batch, length);
        var k = Features(TapeOps.Add(keyProj.Forward(x), TapeOps.Embedding(keyValue, valueIds, [batch, length])));
        var v = OneHot(valueIds, batch, 1, length, Values);
        int p = FeatureDim, qn = queriesPerSequence;
        var k4 = TapeOps.Reshape(k, batch, 1, length, p);
        var q = TapeOps.Reshape(Features(queryProj.Forward(keyEmbedding.Forward(queryKeys[..(batch * qn)], batch, qn))), batch, 1, qn, p);
        if (Rule == FastWeightRule.Delta)
        {
            var beta = TapeOps.Sigmoid(TapeOps.Add(betaProj!.Forward(x), TapeOps.Embedding(betaValue!, valueIds, [batch, length])));
            var (_, memory) = DeltaRuleOp.Forward(k4, k4, v, TapeOps.Reshape(beta, batch, 1, length), null, FastWeightComputeMode.Chunkwise);
            return TapeOps.Reshape(TapeOps.BatchedMatMul(q, memory, transB: true), batch, qn, Values);
        }
        var (_, sum) = LinearAttentionOp.Forward(k4, k4, v, null, FastWeightComputeMode.Chunkwise);
        var z = TapeOps.Sum(k4, 2, keepDim: true);
        var read = TapeOps.BatchedMatMul(q, sum, transB: true);
        var denominator = TapeOps.AddScalar(TapeOps.BatchedMatMul(q, z, transB: true), 1e-6f);
        return TapeOps.Reshape(TapeOps.Div(read, denominator), batch, qn, Values);
    }

    /// <summary>0.5 · ‖onehot(target) − ŷ‖² averaged over the queries of <paramref name="retrievals"/> [B, Q, V].</summary>
    public static Tensor SquaredErrorLoss(Tensor retrievals, ReadOnlySpan<int> targets)
    {
        ArgumentNullException.ThrowIfNull(retrievals);
        int values = retrievals.Dim(-1), count = retrievals.Length / values;
        var diff = TapeOps.Sub(retrievals, OneHot(targets[..count], retrievals.ShapeArray()));
        return TapeOps.Scale(TapeOps.Sum(TapeOps.Mul(diff, diff)), 0.5f / count);
    }

    // A constant tensor of the given shape whose rows (last axis) are onehot(ids[i]), one row per id.
    private static Tensor OneHot(ReadOnlySpan<int> ids, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        int width = shape[^1];
        var ts = t.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            ts[(i * width) + ids[i]] = 1f;
        }
        return t;
    }

    // φ(·) on the last axis, sum-normalised for the delta rule (the paper's k / Σk and q / Σq).
    private Tensor Features(Tensor pre)
    {
        var phi = FeatureMaps.Apply(FeatureMap, pre, DpfpNu);
        return Rule == FastWeightRule.Delta ? FeatureMaps.Normalize(KeyNormalization.Sum, phi) : phi;
    }
}
