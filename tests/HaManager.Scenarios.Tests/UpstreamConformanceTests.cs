using HaManager.TestSupport;
using HaManager.Simulator;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: the upstream regression scenarios replay byte-identical, and none that passed once regresses.
/// Method: the ratchet file (upstream-ratchet.txt) lists every scenario that must pass; each is
/// replayed from ../shared (never copied into the repository) and compared with its log.expect.
/// Without the shared folder the cases are skipped (inconclusive), not passed.
/// </summary>
public class UpstreamConformanceTests
{
    private static string RatchetPath => Path.Combine(RepoPaths.Root, "tests", "HaManager.Scenarios.Tests", "upstream-ratchet.txt");

    public static IEnumerable<string> Ratchet() =>
        File.ReadAllLines(RatchetPath).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    [TestCaseSource(nameof(Ratchet))]
    public void Ratcheted_scenario_replays_exactly(string name)
    {
        string dir = Path.Combine(RepoPaths.Conformance, name);
        if (!Directory.Exists(RepoPaths.Conformance)) RepoPaths.MissingConformance(RepoPaths.Conformance);
        Assert.That(Directory.Exists(dir), Is.True, $"ratcheted scenario {name} is missing from {RepoPaths.Conformance}");
        var input = ScenarioDirectory.Load(dir);
        Assert.That(input.ExpectedLog, Is.Not.Null, $"{name} has no log.expect");
        Assert.That(LogDiff.FirstDifference(input.ExpectedLog!, Simulation.Run(input)), Is.Null, $"{name} differs");
    }

    [Test]
    public void Ratchet_list_is_sorted_and_unique()
    {
        var names = Ratchet().ToList();
        Assert.That(names, Is.EqualTo(names.Distinct().Order(StringComparer.Ordinal).ToList()));
    }
}
