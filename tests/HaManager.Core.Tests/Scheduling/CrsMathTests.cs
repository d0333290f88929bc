using HaManager.Core.Scheduling;

namespace HaManager.Core.Tests.Scheduling;

/// <summary>
/// Goal: the CRS mathematics reproduces the worked examples of rules-scheduling §6 to the digits the
/// logs show. Method: recompute them from their inputs.
/// </summary>
public class CrsMathTests
{
    [Test]
    public void Topsis_scores_the_static2_recovery_example()
    {
        // node2 (32, 200e9), node3 (32, 300e9), node5 (32, 100e9), all empty; vm:102 = 2 cpu / 4e9.
        var nodes = new[] { new NodeStats(0, 32, 0, 200_000_000_000), new NodeStats(0, 32, 0, 300_000_000_000), new NodeStats(0, 32, 0, 100_000_000_000) };
        var service = new ResourceStats(2, 2, 4_000_000_000, 4_000_000_000);
        var alternatives = new List<double[]>();
        for (int i = 0; i < nodes.Length; i++)
        {
            var hypothetical = (NodeStats[])nodes.Clone();
            hypothetical[i].AddStarted(service);
            alternatives.Add(CrsMath.Alternative(hypothetical));
        }
        Assert.That(alternatives[0][0], Is.EqualTo(1.036084).Within(1e-6));
        Assert.That(alternatives[0][1], Is.EqualTo(1.0625).Within(1e-12));
        Assert.That(alternatives[1][2], Is.EqualTo(1.007698).Within(1e-6));
        Assert.That(alternatives[2][3], Is.EqualTo(1.04).Within(1e-12));
        var scores = CrsMath.Topsis(alternatives);
        Assert.That(scores[0], Is.EqualTo(0.75).Within(1e-9));
        Assert.That(scores[1], Is.EqualTo(1.0).Within(1e-9));
        Assert.That(scores[2], Is.EqualTo(0.0).Within(1e-9));
    }

    [Test]
    public void Imbalance_of_one_loaded_node_among_three_is_sqrt_two()
    {
        var nodes = new[] { new NodeStats(12, 24, 24, 48), new NodeStats(0, 24, 0, 48), new NodeStats(0, 24, 0, 48) };
        Assert.That(CrsMath.Imbalance(nodes), Is.EqualTo(Math.Sqrt(2)).Within(1e-12));
        Assert.That(CrsMath.FormatFixed2(CrsMath.Imbalance(nodes)), Is.EqualTo("1.41"));
    }

    [Test]
    public void Imbalance_of_an_idle_cluster_is_zero() =>
        Assert.That(CrsMath.Imbalance([new NodeStats(0, 8, 0, 8), new NodeStats(0, 8, 0, 8)]), Is.Zero);

    [TestCase(0.125, "0.12")]
    [TestCase(0.375, "0.38")]
    [TestCase(1.005, "1.00")]
    [TestCase(0.8508333, "0.85")]
    [TestCase(2.0, "2.00")]
    [TestCase(0.0, "0.00")]
    public void Two_decimals_round_the_exact_binary_value_like_printf(double value, string expected) =>
        Assert.That(CrsMath.FormatFixed2(value), Is.EqualTo(expected));

    [Test]
    public void Truncation_keeps_fifteen_decimals() =>
        Assert.That(CrsMath.Truncate15(0.1234567890123456789), Is.EqualTo(0.123456789012345).Within(1e-18));
}
