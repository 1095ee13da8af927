using FastWeights.Bench;

namespace FastWeights.Tests.Bench;

/// <summary>The verdict line under each benchmark table: met, or missed by the factor the ratio falls short.</summary>
public class TargetVerdictTests
{
    [Fact]
    public void SaysWhichRowsMeetTheTargetAndByHowMuchTheOthersFallShort()
    {
        string line = TargetVerdict.Describe(10, [("R = 50", 10.7, 10.2), ("R = 100", 8.0, 7.9), ("R = 200", double.NaN, double.NaN)]);
        Assert.Equal(
            "**Target ≥ 10×** (median of the rounds): R = 50 met (10.7×); R = 100 missed by 1.25× (8.00×, CPU time 7.9×); R = 200 not measured (no peer).",
            line);
        Assert.Contains("met (3.0×)", TargetVerdict.Describe(3, [("T = 8192", 3.0, 2.9)]));
    }
}
