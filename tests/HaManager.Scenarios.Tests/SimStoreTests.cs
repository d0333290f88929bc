using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Core.Model;
using HaManager.Simulator;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: the simulated store guards the master's writes with the manager lock's fencing token, so a
/// deposed master that wakes up late cannot overwrite its successor. Method: two nodes' CRM
/// environments take the manager lock one after the other (the first lets it expire), then the first
/// writes with its old lease.
/// </summary>
public class SimStoreTests
{
    private static (SimCluster Cluster, SimEnvironment A, SimEnvironment B) TwoNodes()
    {
        var input = new ScenarioInput { Hardware = ScenarioInput.DefaultHardware() };
        foreach (var hw in input.Hardware.Values) (hw.Power, hw.Network) = ("on", "on");
        var sim = new Simulation(input);
        var a = sim.Cluster.NodeByName("node1").CrmEnv;
        var b = sim.Cluster.NodeByName("node2").CrmEnv;
        a.ForceTimeUpdate();
        b.ForceTimeUpdate();
        return (sim.Cluster, a, b);
    }

    [Test]
    public void Renewing_keeps_the_token_and_a_new_holder_gets_a_greater_one()
    {
        var (cluster, a, b) = TwoNodes();
        var first = a.TryAcquire(LockNames.Manager)!;
        Assert.That(a.TryAcquire(LockNames.Manager), Is.EqualTo(first));
        Assert.That(b.TryAcquire(LockNames.Manager), Is.Null, "held by node1");
        cluster.Time += SafetyBudget.Pmxcfs.LockLifetimeSeconds + 1;
        b.ForceTimeUpdate();
        var second = b.TryAcquire(LockNames.Manager)!;
        Assert.That(second.Token, Is.GreaterThan(first.Token));
    }

    [Test]
    public void A_deposed_master_cannot_write_the_status_or_steal_a_service()
    {
        var (cluster, a, b) = TwoNodes();
        var old = a.TryAcquire(LockNames.Manager)!;
        cluster.Time += SafetyBudget.Pmxcfs.LockLifetimeSeconds + 1;
        a.ForceTimeUpdate();
        b.ForceTimeUpdate();
        var current = b.TryAcquire(LockNames.Manager)!;
        b.WriteManagerStatus(new ManagerStatus { MasterNode = "node2" }, current);

        var stale = new ManagerStatus { MasterNode = "node1" };
        Assert.That(() => a.WriteManagerStatus(stale, old), Throws.TypeOf<HaEnvironmentException>().With.Message.Contains("no longer held"));
        Assert.That(cluster.ReadManagerStatus().MasterNode, Is.EqualTo("node2"), "nothing of the deposed master landed");
        Assert.That(() => a.StealService("vm:101", "node3", "node1", old), Throws.TypeOf<HaEnvironmentException>());
    }
}
