using HaManager.TestSupport;
using HaManager.Simulator.Reports;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: rules.cfg canonicalisation matches upstream exactly. Method: each
/// ../shared/conformance/pve-ha-manager/rules_cfgs/*.cfg is checked, transformed and compiled for the
/// nodes node1..node3, and the report must equal its .cfg.expect byte for byte.
/// </summary>
public class RulesConformanceTests
{
    public static IEnumerable<string> Cases() => RepoPaths.ConformanceFiles("rules_cfgs", "*.cfg");

    [TestCaseSource(nameof(Cases))]
    public void Rules_report_matches(string file)
    {
        string path = Path.Combine(RepoPaths.RequireConformance("rules_cfgs"), file);
        string report = RulesReport.Build(File.ReadAllText(path), ["node1", "node2", "node3"]);
        Assert.That(report, Is.EqualTo(File.ReadAllText(path + ".expect")));
    }
}
