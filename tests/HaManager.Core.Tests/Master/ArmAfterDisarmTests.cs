using HaManager.Core.Model;
using MgrManager = HaManager.Core.Master.Manager;

namespace HaManager.Core.Tests.Master;

/// <summary>
/// Goal: after <c>arm-ha</c>, a node whose LRM released its agent lock for disarming is neither unfrozen while the
/// master does not see it online nor fenced through its free lock before it holds that lock again — the two gaps a
/// chaos campaign on etcd (seeds 8057, 8058) fell into: the node's LRM had read <c>arm-ha</c> and reported mode
/// <c>active</c> while still waiting for its lock, the master saw the node offline (its presence lagged its
/// writes), unfroze its services, fenced it by taking the released lock and started them elsewhere while they ran
/// on. Method: one master over several rounds of an in-memory cluster whose membership and LRM reports the test
/// sets independently, as etcd allows.
/// </summary>
public class ArmAfterDisarmTests
{
    private static FakeEnvironment Cluster()
    {
        var env = new FakeEnvironment().WithNodesOnline().WithService("vm:100", "node3");
        foreach (var node in env.Online.Keys) env.LrmStatuses[node] = new LrmStatus { Mode = "active", State = "active" };
        env.FreeAgentLocks.Add("node3");
        return env;
    }

    private static void Report(FakeEnvironment env, string node, string mode, string state) =>
        env.LrmStatuses[node] = new LrmStatus { Mode = mode, State = state };

    [TestCase(true, ServiceState.Started)]
    [TestCase(false, ServiceState.Freeze)]
    public void A_frozen_service_is_unfrozen_only_on_a_node_the_master_sees_online(bool online, ServiceState expected)
    {
        var env = Cluster().WithStatus("vm:100", ServiceState.Freeze, "node3");
        Report(env, "node3", "active", "wait_for_agent_lock");
        env.Online["node3"] = online;
        new MgrManager(env.Node).ManageRound(FakeEnvironment.ManagerLease);
        Assert.That(env.Status.ServiceStatus["vm:100"].State, Is.EqualTo(expected), string.Join('\n', env.Lines));
    }

    [Test]
    public void A_node_that_released_its_lock_for_disarming_is_not_fenced_by_it_until_it_holds_it_again()
    {
        var env = Cluster().WithStatus("vm:100", ServiceState.Started, "node3");
        var master = new MgrManager(env.Node);
        void Rounds(int count)
        {
            for (int i = 0; i < count; i++)
            {
                master.ManageRound(FakeEnvironment.ManagerLease);
                env.Now += 10;
            }
        }

        Report(env, "node3", "disarm", "wait_for_agent_lock"); // released for disarming, its services run on
        Rounds(1);
        Report(env, "node3", "active", "wait_for_agent_lock"); // has read arm-ha, still without its lock ...
        env.Online["node3"] = false;                               // ... and is cut off
        Rounds(20);
        Assert.That(env.Status.ServiceStatus["vm:100"].State, Is.EqualTo(ServiceState.Started), string.Join('\n', env.Lines));
        Assert.That(env.Lines, Has.None.Contains("fencing: acknowledged"), "its free lock proves nothing");

        // Once it has held its lock again (and armed its watchdog with it), the lock is proof again.
        Report(env, "node3", "active", "active");
        Rounds(20);
        Assert.That(env.Lines, Does.Contain("info: fencing: acknowledged - got agent lock for node 'node3'"), string.Join('\n', env.Lines));
        Assert.That(env.Status.ServiceStatus["vm:100"].Node, Is.Not.EqualTo("node3"), "recovered elsewhere");
    }
}
