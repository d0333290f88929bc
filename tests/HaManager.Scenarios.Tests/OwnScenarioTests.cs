using HaManager.TestSupport;
using HaManager.Simulator;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: our own scenarios (tests/scenarios/*.yaml) replay exactly to the golden log each carries.
/// Method: one test case per file; the simulator runs it in virtual time and the log is compared
/// byte for byte. Set HAMANAGER_UPDATE_GOLDEN=1 to rewrite the golden logs on purpose — then read
/// the diff before committing it.
/// </summary>
public class OwnScenarioTests
{
    public static IEnumerable<string> Scenarios() =>
        Directory.EnumerateFiles(RepoPaths.OwnScenarios, "*.yaml").Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)!;

    [Test]
    public void There_are_at_least_fifteen_scenarios() =>
        Assert.That(Scenarios().Count(), Is.GreaterThanOrEqualTo(15));

    [TestCaseSource(nameof(Scenarios))]
    public void Scenario_replays_exactly(string name)
    {
        string path = Path.Combine(RepoPaths.OwnScenarios, name + ".yaml");
        var input = YamlScenario.Load(path);
        string log = Simulation.Run(input);

        if (System.Environment.GetEnvironmentVariable("HAMANAGER_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, YamlScenario.WithExpectedLog(File.ReadAllText(path), log));
            Assert.Pass("golden log rewritten");
        }
        Assert.That(input.ExpectedLog, Is.Not.Null, $"{name}.yaml has no expected_log; run with HAMANAGER_UPDATE_GOLDEN=1");
        Assert.That(LogDiff.FirstDifference(input.ExpectedLog!, log), Is.Null, $"{path} differs");
        if (input.ExpectedFatal is { } fatal)
            Assert.That(log, Does.Contain($"hardware: exit simulation - {fatal}"), "the scenario ends with the error it declares");
        else Assert.That(log, Does.EndWith("hardware: exit simulation - done\n"), "every own scenario ends normally");
    }
}
