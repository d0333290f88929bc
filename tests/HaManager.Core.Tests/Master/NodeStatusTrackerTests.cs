using HaManager.Core.Environment;
using HaManager.Core.Master;
using HaManager.Core.Model;

namespace HaManager.Core.Tests.Master;

/// <summary>
/// Goal: the node status machine of crm-manager §6 makes each transition for the spec's reason.
/// Method: a tracker over an in-memory environment is fed membership and LRM modes round by round.
/// </summary>
public class NodeStatusTrackerTests
{
    private static readonly Dictionary<string, LrmMode> NoModes = new(StringComparer.Ordinal);

    private static NodeInfo Info(params (string Node, bool Online)[] nodes) =>
        new(nodes.ToDictionary(n => n.Node, n => n.Online, StringComparer.Ordinal), true);

    private static (NodeStatusTracker Tracker, FakeEnvironment Env) Tracker(params (string, NodeState)[] states)
    {
        var env = new FakeEnvironment();
        var map = new SortedDictionary<string, NodeState>(StringComparer.Ordinal);
        foreach (var (n, s) in states) map[n] = s;
        return (new NodeStatusTracker(env.Node, map), env);
    }

    [Test]
    public void Unknown_node_seen_online_becomes_online()
    {
        var (t, env) = Tracker();
        t.Update(Info(("node1", true)), NoModes);
        Assert.That(t.Get("node1"), Is.EqualTo(NodeState.Online));
        Assert.That(env.Lines, Does.Contain("info: node 'node1': state changed from 'unknown' => 'online'"));
    }

    [Test]
    public void Online_node_whose_lrm_reports_maintenance_enters_maintenance_and_leaves_it()
    {
        var (t, _) = Tracker(("node1", NodeState.Online));
        t.Update(Info(("node1", true)), new Dictionary<string, LrmMode> { ["node1"] = LrmMode.Maintenance });
        Assert.That(t.Get("node1"), Is.EqualTo(NodeState.Maintenance));
        t.Update(Info(("node1", true)), new Dictionary<string, LrmMode> { ["node1"] = LrmMode.Active });
        Assert.That(t.Get("node1"), Is.EqualTo(NodeState.Online));
    }

    [Test]
    public void Online_node_that_disappears_becomes_unknown()
    {
        var (t, _) = Tracker(("node1", NodeState.Online));
        t.Update(Info(("node1", false)), NoModes);
        Assert.That(t.Get("node1"), Is.EqualTo(NodeState.Unknown));
    }

    [Test]
    public void Offline_node_in_maintenance_keeps_it_while_its_last_lrm_status_says_so()
    {
        var (t, _) = Tracker(("node1", NodeState.Maintenance));
        t.Update(Info(("node1", false)), new Dictionary<string, LrmMode> { ["node1"] = LrmMode.Maintenance });
        Assert.That(t.Get("node1"), Is.EqualTo(NodeState.Maintenance));
        t.Update(Info(("node1", false)), NoModes);
        Assert.That(t.Get("node1"), Is.EqualTo(NodeState.Unknown));
    }

    [Test]
    public void Unknown_node_no_longer_a_member_is_gone_and_forgotten_after_an_hour()
    {
        var (t, env) = Tracker(("node9", NodeState.Unknown));
        t.Update(Info(("node1", true)), NoModes);
        Assert.That(t.Get("node9"), Is.EqualTo(NodeState.Gone));
        t.Update(Info(("node1", true)), NoModes); // arms the timer
        env.Now += 3600;
        t.Update(Info(("node1", true)), NoModes);
        Assert.That(t.States, Does.Not.ContainKey("node9"));
        Assert.That(env.Lines, Does.Contain("notice: deleting gone node 'node9', not a cluster member anymore."));
    }

    [Test]
    public void Fence_state_survives_coming_online_until_fenced()
    {
        var (t, _) = Tracker(("node1", NodeState.Fence));
        t.Update(Info(("node1", true)), NoModes);
        Assert.That(t.Get("node1"), Is.EqualTo(NodeState.Fence));
    }

    [Test]
    public void Offline_delay_is_armed_by_the_first_check_of_a_node_never_seen_online()
    {
        var (t, env) = Tracker(("node1", NodeState.Unknown));
        Assert.That(t.IsOfflineDelayed("node1"), Is.False, "first check arms");
        env.Now += 59;
        Assert.That(t.IsOfflineDelayed("node1"), Is.False);
        env.Now += 1;
        Assert.That(t.IsOfflineDelayed("node1"), Is.True);
    }

    [Test]
    public void Fencing_succeeds_only_with_the_agent_lock_and_notifies_twice()
    {
        var (t, env) = Tracker(("node3", NodeState.Unknown));
        Assert.That(t.FenceNode("node3"), Is.False);
        Assert.That(t.Get("node3"), Is.EqualTo(NodeState.Fence));
        env.FreeAgentLocks.Add("node3");
        Assert.That(t.FenceNode("node3"), Is.True);
        Assert.That(t.Get("node3"), Is.EqualTo(NodeState.Unknown));
        Assert.That(env.Lines.Count(l => l.StartsWith("email: FENCE: Try to fence node 'node3'", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(env.Lines, Does.Contain("email: SUCCEED: fencing: acknowledged - got agent lock for node 'node3'"));
    }
}
