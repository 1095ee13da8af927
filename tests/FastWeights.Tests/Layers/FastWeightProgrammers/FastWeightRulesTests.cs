using FastWeights.Layers.FastWeightProgrammers;
using FastWeights.Layers.FastWeightProgrammers.Ops;

namespace FastWeights.Tests.Layers.FastWeightProgrammers;

/// <summary>The rule types and the runtime rule name describe the same rules.</summary>
public sealed class FastWeightRulesTests
{
    [Fact]
    public void RuleTypesAgreeWithTheRuntimeRule()
    {
        Check<SumRule>(FastWeightRule.Linear);
        Check<DecayedSumRule>(FastWeightRule.Decay);
        Check<DeltaRule>(FastWeightRule.Delta);
        Check<GatedDeltaRule>(FastWeightRule.GatedDelta);
    }

    [Theory]
    [InlineData(FastWeightRule.Linear, KeyNormalization.Sum, true)]
    [InlineData(FastWeightRule.Decay, KeyNormalization.Sum, true)]
    [InlineData(FastWeightRule.Delta, KeyNormalization.L2, false)]
    [InlineData(FastWeightRule.GatedDelta, KeyNormalization.L2, false)]
    public void EachRuleHasItsNormalisationAndForms(FastWeightRule rule, KeyNormalization normalization, bool parallel)
    {
        Assert.Equal(normalization, rule.DefaultNormalization());
        Assert.Equal(normalization, FastWeightLayerOptions.For(rule, heads: 2).Normalization);
        Assert.Equal(parallel, rule.HasParallelForm());
    }

    private static void Check<TRule>(FastWeightRule rule)
        where TRule : struct, IFastWeightRule
    {
        Assert.Equal(rule, TRule.Rule);
        Assert.Equal(rule.IsDelta(), TRule.IsDelta);
        Assert.Equal(rule.HasDecay(), TRule.HasDecay);
    }
}
