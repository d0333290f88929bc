using HaManager.Core.Environment;
using HaManager.Core.Model;
using MgrManager = HaManager.Core.Master.Manager;

namespace HaManager.Core.Tests.Master;

/// <summary>
/// Goal: a failed node is fenced by its agent lock or by a confirmed power-off, whichever comes first, and
/// never by anything less: fence levels fall through in order, a device's failure proves nothing, an
/// operator's acknowledgement is refused for an online node or one whose lock was renewed after it, and a
/// confirmation does not outlive the node coming back. Method: Manager rounds over the in-memory
/// environment with scripted fence devices, node3 offline with a started service.
/// </summary>
public class HardwareFencingTests
{
    private const string TwoLevels = """
        device ipmi fence_ipmilan ip=10.0.0.3 username=admin password=s3cret
        connect ipmi node=node3 ipport=3
        device pdu fence_apc_snmp ip=10.0.1.1
        connect pdu node=node3 plug=3
        """;

    private static FakeEnvironment Cluster(string? fenceCfg = TwoLevels, string mode = "hardware")
    {
        var env = new FakeEnvironment().WithNodesOnline().WithService("vm:103", "node3").WithStatus("vm:103", ServiceState.Started, "node3");
        env.Online["node3"] = false;
        env.FenceConfig = fenceCfg;
        env.Fencing = new FakeFenceDevices();
        env.Datacenter = DatacenterSettings.Empty with { FencingMode = mode };
        return env;
    }

    /// <summary>Rounds 10 s apart on one manager until the node is seen offline long enough for its mode.</summary>
    private static MgrManager Rounds(FakeEnvironment env, int count, MgrManager? manager = null)
    {
        manager ??= new MgrManager(env.Node);
        for (int i = 0; i < count; i++)
        {
            manager.ManageRound(FakeEnvironment.ManagerLease);
            env.Now += 10;
        }
        return manager;
    }

    [Test]
    public void A_confirmed_power_off_takes_the_lock_over_and_recovers_long_before_the_watchdog_delay()
    {
        var env = Cluster();
        var manager = Rounds(env, 3); // First sight arms the timer; 20 s later (two rounds) fencing starts.
        Assert.That(env.Fencing!.Started, Has.Count.EqualTo(1));
        var request = env.Fencing.Started[0];
        Assert.That((request.Node, request.Level, request.Commands[0].Agent), Is.EqualTo(("node3", 0, "fence_ipmilan")));
        Assert.That(env.Lines, Has.Some.Contains("--password='***'").And.Not.Contains("s3cret"), "secrets never reach the log");
        Assert.That(env.Status.ServiceStatus["vm:103"].State, Is.EqualTo(ServiceState.Fence));

        env.Fencing.Finish(poweredOff: true);
        Rounds(env, 1, manager);
        Assert.That(env.TakenOver, Is.EqualTo(new[] { LockNames.Agent("node3") }));
        Assert.That(env.Status.NodeStatus["node3"], Is.EqualTo(NodeState.Unknown));
        Assert.That(env.Status.ServiceStatus["vm:103"].Node, Is.Not.EqualTo("node3"));
        Assert.That(env.Lines, Does.Contain(
            "email: SUCCEED: fencing: acknowledged - node 'node3' is off (fence device level 1 powered it off), took over its agent lock"));
    }

    [Test]
    public void A_failed_level_falls_through_to_the_next_and_a_failure_proves_nothing()
    {
        var env = Cluster();
        var manager = Rounds(env, 3);
        env.Fencing!.Finish(poweredOff: false, "command 'fence_ipmilan' exited with '1'");
        Rounds(env, 1, manager);
        Assert.That(env.Fencing.Started.Select(r => r.Level), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(env.Fencing.Started[1].Commands[0].Agent, Is.EqualTo("fence_apc_snmp"));
        Assert.That(env.TakenOver, Is.Empty);
        Assert.That(env.Status.ServiceStatus["vm:103"].State, Is.EqualTo(ServiceState.Fence));

        env.Fencing.Finish(poweredOff: false);
        Rounds(env, 3, manager);
        Assert.That(env.Lines, Has.Some.StartsWith("err: tried all fence devices for node 'node3'"));
        Assert.That(env.Fencing.Started, Has.Count.EqualTo(2), "the ladder waits one lock lifetime before it starts again");
        Assert.That(env.Status.ServiceStatus["vm:103"].State, Is.EqualTo(ServiceState.Fence), "never recovered without proof");

        env.FreeAgentLocks.Add("node3"); // The watchdog path still works.
        Rounds(env, 1, manager);
        Assert.That(env.Status.NodeStatus["node3"], Is.EqualTo(NodeState.Unknown));
        Assert.That(env.TakenOver, Is.Empty);
    }

    [Test]
    public void Watchdog_mode_ignores_the_devices_and_keeps_the_long_delay()
    {
        var env = Cluster(mode: "watchdog");
        Rounds(env, 5);
        Assert.That(env.Fencing!.Started, Is.Empty);
        Assert.That(env.Status.ServiceStatus["vm:103"].State, Is.EqualTo(ServiceState.Started), "40 s offline is below the 60 s fence delay");
    }

    [Test]
    public void A_fence_cfg_that_does_not_parse_is_reported_and_fences_nothing()
    {
        var env = Cluster(fenceCfg: "connect ipmi node=node3 ipport=3\n");
        Rounds(env, 3);
        Assert.That(env.Fencing!.Started, Is.Empty);
        Assert.That(env.Lines, Has.Some.StartsWith("err: hardware fencing disabled: Encountered error(s) on parsing 'fence.cfg'"));
    }

    private static string Ack(string node, long at) => new CrmCommand.FenceAck(node, at, "alice").Format() + "\n";

    [Test]
    public void An_acknowledgement_for_an_online_node_is_refused()
    {
        var env = Cluster(fenceCfg: null, mode: "watchdog");
        env.Commands = Ack("node2", 1000);
        Rounds(env, 1);
        Assert.That(env.Lines, Does.Contain("err: crm command error - node 'node2' is online, not failed: fence-ack node2 1000 alice"));
        Assert.That(env.TakenOver, Is.Empty);
    }

    [Test]
    public void An_acknowledgement_is_refused_when_the_lock_was_renewed_after_it()
    {
        var env = Cluster(fenceCfg: null, mode: "watchdog");
        env.RenewedAt[LockNames.Agent("node3")] = 1005;
        env.Commands = Ack("node3", 1000);
        Rounds(env, 8);
        Assert.That(env.Lines, Has.Some.StartsWith("err: refusing fence-ack for node 'node3' - its agent lock was renewed at 1005"));
        Assert.That(env.TakenOver, Is.Empty);
        Assert.That(env.Status.ServiceStatus["vm:103"].State, Is.EqualTo(ServiceState.Fence));
    }

    [Test]
    public void An_acknowledgement_fences_at_once_without_waiting_for_the_delay()
    {
        var env = Cluster(fenceCfg: null, mode: "watchdog");
        env.RenewedAt[LockNames.Agent("node3")] = 995;
        env.Commands = Ack("node3", 1000);
        Rounds(env, 1);
        Assert.That(env.Lines, Does.Contain("notice: got crm command: fence-ack node3 1000 alice - alice acknowledged node 'node3' off"));
        Assert.That(env.TakenOver, Is.EqualTo(new[] { LockNames.Agent("node3") }));
        Assert.That(env.Status.ServiceStatus["vm:103"].Node, Is.Not.EqualTo("node3"));
    }

    [Test]
    public void A_confirmation_does_not_outlive_the_node_coming_back()
    {
        var env = Cluster(fenceCfg: null, mode: "watchdog");
        env.Status.ServiceStatus.Remove("vm:103");
        env.Config.Remove("vm:103");
        env.Commands = Ack("node3", 1000); // Accepted: node3 is offline, nothing to fence yet.
        var manager = Rounds(env, 1);
        env.Online["node3"] = true;         // It was powered on again...
        Rounds(env, 1, manager);
        env.Online["node3"] = false;        // ...and fails later with a service on it.
        env.WithService("vm:103", "node3");
        Rounds(env, 3, manager);
        Assert.That(env.TakenOver, Is.Empty, "a stale acknowledgement fenced a node");
    }
}
