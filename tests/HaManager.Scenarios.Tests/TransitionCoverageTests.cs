using HaManager.TestSupport;
using System.Text.RegularExpressions;
using HaManager.Core.Model;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: the declared service and node transition tables (ServiceTransitions, NodeTransitions) cover
/// what the scenarios need: every state change any golden log shows is an allowed edge. Method: scan
/// all golden logs.
/// </summary>
public partial class TransitionCoverageTests
{
    [GeneratedRegex(@"service '[^']+': state changed from '(\w+)' to '(\w+)'")]
    private static partial Regex StateChange();

    [GeneratedRegex(@"node '[^']+': state changed from '(\w+)' => '(\w+)'")]
    private static partial Regex NodeStateChange();

    private static IEnumerable<string> GoldenLogs()
    {
        foreach (var file in Directory.EnumerateFiles(RepoPaths.OwnScenarios, "*.yaml")) yield return File.ReadAllText(file);
        if (!Directory.Exists(RepoPaths.Conformance)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(RepoPaths.Conformance, "test-*"))
            if (File.Exists(Path.Combine(dir, "log.expect"))) yield return File.ReadAllText(Path.Combine(dir, "log.expect"));
    }

    [Test]
    public void Every_logged_state_change_is_in_the_table()
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var refused = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var log in GoldenLogs())
            foreach (Match m in StateChange().Matches(log))
            {
                Assert.That(StateNames.TryParseService(m.Groups[1].Value, out var from), Is.True, m.Value);
                Assert.That(StateNames.TryParseService(m.Groups[2].Value, out var to), Is.True, m.Value);
                seen.Add($"{from}->{to}");
                if (!ServiceTransitions.IsAllowed(from, to)) refused.Add($"{from}->{to}");
            }
        Assert.That(seen.Count, Is.GreaterThan(20), "the scan found the logs");
        Assert.That(refused, Is.Empty);
    }

    [Test]
    public void Every_logged_node_state_change_is_in_the_table()
    {
        var refused = new SortedSet<string>(StringComparer.Ordinal);
        int seen = 0;
        foreach (var log in GoldenLogs())
            foreach (Match m in NodeStateChange().Matches(log))
            {
                Assert.That(StateNames.TryParseNode(m.Groups[1].Value, out var from), Is.True, m.Value);
                Assert.That(StateNames.TryParseNode(m.Groups[2].Value, out var to), Is.True, m.Value);
                seen++;
                if (!NodeTransitions.IsAllowed(from, to)) refused.Add($"{from}->{to}");
            }
        Assert.That(seen, Is.GreaterThan(100), "the scan found the logs");
        Assert.That(refused, Is.Empty);
    }
}
