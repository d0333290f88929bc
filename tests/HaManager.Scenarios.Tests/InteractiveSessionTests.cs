using HaManager.Simulator;
using HaManager.Simulator.Web;
using HaManager.TestSupport;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// The browser simulator's engine side without a browser: the interactive run is the replay's loop (every own
/// scenario stepped slot by slot gives its golden log), a rejected command leaves the run as it was, an export
/// replays, and the YAML writer gives back what it was given.
/// </summary>
public sealed class InteractiveSessionTests
{
    public static IEnumerable<string> OwnScenarios() =>
        Directory.EnumerateFiles(RepoPaths.OwnScenarios, "*.yaml").Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)!;

    [TestCaseSource(nameof(OwnScenarios))]
    public void Stepping_a_scenario_slot_by_slot_writes_its_golden_log(string name)
    {
        var input = YamlScenario.Load(Path.Combine(RepoPaths.OwnScenarios, name + ".yaml"));
        string expected = input.ExpectedLog!;
        var session = SimulatorSession.Start(input, name);
        var lines = expected.TrimEnd('\n').Split('\n');
        long end = lines.Max(l => LogLine.Parse(l).Time);
        for (int i = 0; i < 10_000 && session.Run.FatalError is null && session.Run.Cluster.Time < end; i++) session.Step(1);

        if (input.ExpectedFatal is not null)
            Assert.That(session.Run.LogText, Is.EqualTo(expected), "a run that ends in an error ends the same way");
        else
            Assert.That(session.Run.LogText, Is.EqualTo(string.Join('\n', lines[..^1]) + "\n"),
                "everything but the replay's closing line");
    }

    [Test]
    public void A_rejected_command_leaves_the_run_exactly_as_it_was()
    {
        var session = SimulatorSession.Start(SimulatorSession.DemoScenario(), "demo");
        session.Step(8);
        Assert.That(session.Execute("service vm:101 migrate node2"), Is.Null);
        session.Step(1);
        string log = session.Run.LogText;
        var batches = session.Run.ExecutedBatches.Select(b => string.Join(";", b)).ToList();
        long time = session.Run.Cluster.Time;

        Assert.That(session.Execute("power node9 off"), Is.EqualTo("no such node 'node9'"));
        Assert.That(session.Execute("service vm:101 stop"), Does.Contain("missing timeout for 'stop' command"));
        Assert.That(session.Execute("service vm:101 frobnicate"), Does.Contain("unknown service action 'frobnicate'"));
        Assert.That(session.Execute("delay 100"), Does.Contain("belongs in a scenario file"));
        Assert.That(session.Execute("  "), Is.EqualTo("empty command"));

        Assert.That(session.Run.LogText, Is.EqualTo(log));
        Assert.That(session.Run.ExecutedBatches.Select(b => string.Join(";", b)), Is.EqualTo(batches));
        Assert.That(session.Run.Cluster.Time, Is.EqualTo(time));
        Assert.That(session.Run.FatalError, Is.Null);

        // And it goes on as a run that never saw them: the same as a fresh session given the same commands.
        session.Step(20);
        var twin = SimulatorSession.Start(SimulatorSession.DemoScenario(), "demo");
        twin.Step(8);
        twin.Execute("service vm:101 migrate node2");
        twin.Step(21);
        Assert.That(session.Run.LogText, Is.EqualTo(twin.Run.LogText));
    }

    [Test]
    public void A_rejected_command_keeps_the_rest_of_a_loaded_script()
    {
        var input = YamlScenario.Load(Path.Combine(RepoPaths.OwnScenarios, "failover-network-loss.yaml"));
        var session = SimulatorSession.Start(input, "failover");
        session.Step(1);
        Assert.That(session.Execute("network node7 off"), Is.Not.Null);
        session.Step(400);
        Assert.That(input.ExpectedLog, Does.StartWith(session.Run.LogText[..Math.Min(session.Run.LogText.Length, input.ExpectedLog!.Length - 60)]));
        Assert.That(session.Run.LogText, Does.Contain("execute network"), "the script's later batches still ran");
    }

    [Test]
    public void An_export_is_a_scenario_that_replays_the_session()
    {
        var session = SimulatorSession.Start(SimulatorSession.DemoScenario(), "demo");
        session.Step(7);
        Assert.That(session.Execute("network node3 off"), Is.Null);
        session.Step(3);
        Assert.That(session.Execute("service vm:102 relocate node1"), Is.Null);
        Assert.That(session.Execute("write rules.cfg\nnode-affinity: keep\n\tnodes node2\n\tresources vm:105\n"), Is.Null);
        session.Step(12);

        string yaml = session.Export(out bool identical);
        Assert.That(identical, Is.True);
        Assert.That(yaml, Does.Contain("loops_per_batch: 1"), "commands off upstream's cadence need one loop per batch");
        var replayed = YamlScenario.Parse(yaml, "export");
        Assert.That(replayed.ExpectedLog, Does.StartWith(session.Run.LogText));
        Assert.That(Simulation.Run(replayed), Is.EqualTo(replayed.ExpectedLog));
        Assert.That(replayed.ExpectedLog, Does.Contain("execute write rules.cfg (3 lines)"));
    }

    [Test]
    public void An_export_on_upstreams_cadence_is_written_with_it()
    {
        var session = SimulatorSession.Start(SimulatorSession.DemoScenario(), "demo");
        session.Step(5);
        Assert.That(session.Execute("network node2 off"), Is.Null);
        session.Step(6);
        string yaml = session.Export(out bool identical);
        Assert.That(identical, Is.True);
        Assert.That(yaml, Does.Not.Contain("loops_per_batch"));
        Assert.That(yaml, Does.Contain("commands:\n  - [power node1 on, power node2 on, power node3 on]\n  - [network node2 off]\nexpected_log:"));
    }

    [Test]
    public void The_yaml_writer_gives_back_what_it_was_given()
    {
        var input = new ScenarioInput
        {
            Hardware = new(StringComparer.Ordinal)
            {
                ["node1"] = new() { Power = "on", Network = "off", Version = "8.4.1", MaxCpu = 32, MaxMem = 137438953472 },
                ["no"] = new(),
            },
            Services = new(StringComparer.Ordinal)
            {
                ["vm:101"] = new(StringComparer.Ordinal) { ["node"] = "node1", ["state"] = "started", ["comment"] = "a: \"quoted\" #x" },
                ["ct:102"] = new(StringComparer.Ordinal) { ["node"] = "no", ["max_restart"] = "2" },
            },
            Datacenter = new HaManager.Core.Environment.DatacenterSettings("migrate",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["ha"] = "static", ["ha-rebalance-on-start"] = "1" }) { FencingMode = "both" },
            Running = new(StringComparer.Ordinal) { ["node1"] = new(StringComparer.Ordinal) { ["vm:101"] = true } },
            RulesConfig = "node-affinity: r1\n\tnodes node1:2,no\n\tresources vm:101\n",
            GroupsConfig = "  indented first line\nno final newline",
            FenceConfig = "device d fence_x ip=10.0.0.1\n\n\n",
            StaticServiceStats = new() { ["vm:101"] = new() { ["maxcpu"] = 2.5, ["maxmem"] = 4294967296 } },
            JobDurations = new(StringComparer.Ordinal) { ["vm:101"] = 30 },
            ManagerStatusJson = "{\"master_node\":\"node1\"}",
        };
        var batches = new List<IReadOnlyList<string>> { new[] { "power node1 on", "service vm:101 migrate no" }, Array.Empty<string>(), new[] { "write groups.cfg\n\tx: \"y\"\n" } };
        string yaml = YamlScenario.Write(input, batches, 1, "a \"tricky\" one: yes", "info 0 hardware: x\n");
        var back = YamlScenario.Parse(yaml, "back");

        Assert.That(back.Hardware.Keys, Is.EqualTo(input.Hardware.Keys));
        Assert.That(back.Hardware["node1"].Power, Is.EqualTo("on"));
        Assert.That(back.Hardware["node1"].Network, Is.EqualTo("off"));
        Assert.That(back.Hardware["node1"].Version, Is.EqualTo("8.4.1"));
        Assert.That(back.Hardware["node1"].MaxMem, Is.EqualTo(137438953472));
        Assert.That(back.Services, Is.EqualTo(input.Services));
        Assert.That(back.Datacenter.ShutdownPolicy, Is.EqualTo("migrate"));
        Assert.That(back.Datacenter.FencingMode, Is.EqualTo("both"));
        Assert.That(back.Datacenter.Crs, Is.EqualTo(input.Datacenter.Crs));
        Assert.That(back.Running["node1"]["vm:101"], Is.True);
        Assert.That(back.RulesConfig, Is.EqualTo(input.RulesConfig));
        Assert.That(back.GroupsConfig, Is.EqualTo(input.GroupsConfig));
        Assert.That(back.FenceConfig, Is.EqualTo(input.FenceConfig));
        Assert.That(back.StaticServiceStats!["vm:101"], Is.EqualTo(input.StaticServiceStats["vm:101"]));
        Assert.That(back.JobDurations, Is.EqualTo(input.JobDurations));
        Assert.That(back.ManagerStatusJson, Is.EqualTo(input.ManagerStatusJson));
        Assert.That(back.LoopsPerBatch, Is.EqualTo(1));
        Assert.That(back.Commands, Is.EqualTo(batches));
        Assert.That(back.ExpectedLog, Is.EqualTo("info 0 hardware: x\n"));
    }
}
