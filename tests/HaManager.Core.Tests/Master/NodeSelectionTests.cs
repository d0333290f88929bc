using HaManager.Core.Master;
using HaManager.Core.Model;
using HaManager.Core.Rules;
using HaManager.Core.Formats;

namespace HaManager.Core.Tests.Master;

/// <summary>
/// Goal: select_service_node follows rules-scheduling §5.3 step by step. Method: basic usage over three
/// online nodes, rules compiled from rules.cfg text, one selection per case.
/// </summary>
public class NodeSelectionTests
{
    private static readonly string[] Nodes = ["node1", "node2", "node3"];

    private static (BasicUsage Usage, PlacementRules Rules) Setup(string rulesCfg)
    {
        var usage = new BasicUsage();
        foreach (var n in Nodes) usage.AddNode(n);
        var compiled = RuleCompiler.Run(RulesConfig.Parse(rulesCfg), Nodes).Compiled;
        return (usage, new PlacementRules(compiled));
    }

    private static string? Select(string rulesCfg, string sid, ServiceStatusEntry sd, SelectionPreference preference,
        Dictionary<string, ServiceStatusEntry>? others = null, bool failback = true)
    {
        var (usage, rules) = Setup(rulesCfg);
        var status = new Dictionary<string, ServiceStatusEntry>(others ?? [], StringComparer.Ordinal) { [sid] = sd };
        foreach (var (s, e) in status) usage.AddServiceUsage(s, StateNames.Of(e.State), e.Node, e.Target, true);
        return NodeSelection.Select(sid, sd, failback, preference, usage, rules, status);
    }

    private static ServiceStatusEntry Started(string node) => new() { State = ServiceState.Started, Node = node, Uid = "u" };

    [Test]
    public void Without_rules_a_service_stays_where_it_is() =>
        Assert.That(Select("", "vm:1", Started("node2"), SelectionPreference.None), Is.EqualTo("node2"));

    [Test]
    public void Non_strict_affinity_fails_back_to_the_highest_priority_node() =>
        Assert.That(Select("node-affinity: r1\n\tnodes node3:2,node2:1\n\tresources vm:1\n", "vm:1", Started("node1"),
            SelectionPreference.None), Is.EqualTo("node3"));

    [Test]
    public void Without_failback_a_service_stays_on_an_allowed_node() =>
        Assert.That(Select("node-affinity: r1\n\tnodes node3:2,node2:1\n\tresources vm:1\n", "vm:1", Started("node2"),
            SelectionPreference.None, failback: false), Is.EqualTo("node2"));

    [Test]
    public void Strict_affinity_without_a_listed_node_online_gives_no_node() =>
        Assert.That(Select("node-affinity: r1\n\tnodes node9\n\tresources vm:1\n\tstrict 1\n", "vm:1", Started("node1"),
            SelectionPreference.BestScore), Is.Null);

    [Test]
    public void Negative_affinity_beats_load()
    {
        var others = new Dictionary<string, ServiceStatusEntry> { ["vm:2"] = Started("node1"), ["vm:3"] = Started("node2") };
        Assert.That(Select("resource-affinity: apart\n\tresources vm:1,vm:2\n\taffinity negative\n", "vm:1",
            new ServiceStatusEntry { State = ServiceState.Recovery, Node = "node3", Uid = "u" }, SelectionPreference.BestScore, others),
            Is.EqualTo("node2"), "node1 holds its negative partner; node2 and node3 tie at one service");
    }

    [Test]
    public void Positive_affinity_follows_the_partner()
    {
        var others = new Dictionary<string, ServiceStatusEntry> { ["vm:2"] = Started("node3") };
        Assert.That(Select("resource-affinity: together\n\tresources vm:1,vm:2\n\taffinity positive\n", "vm:1",
            Started("node1"), SelectionPreference.None, others), Is.EqualTo("node3"));
    }

    [Test]
    public void Try_next_skips_failed_nodes_and_takes_the_least_loaded()
    {
        var sd = Started("node1");
        sd.FailedNodes = ["node1"];
        var others = new Dictionary<string, ServiceStatusEntry> { ["vm:2"] = Started("node2") };
        Assert.That(Select("", "vm:1", sd, SelectionPreference.TryNext, others), Is.EqualTo("node3"));
    }

    [Test]
    public void Maintenance_fallback_wins_when_the_node_is_back()
    {
        var sd = Started("node2");
        sd.MaintenanceNode = "node1";
        Assert.That(Select("", "vm:1", sd, SelectionPreference.None), Is.EqualTo("node1"));
    }
}
