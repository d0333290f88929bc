using HaManager.Configuration;
using HaManager.Core.Environment;
using HaManager.Core.Model;
using HaManager.Store;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: the chaos runner's store check tells an unreachable store (no finding) from a manager status that does
/// not parse (a violation), and catches a torn status on a real directory store and a deposed master's write on a
/// real etcd — proof that it can fail.
/// </summary>
public class StoreHistoryTests
{
    [Test]
    public void An_unreachable_store_is_no_finding_but_an_unparsable_status_is()
    {
        var answers = new Queue<Func<ManagerStatus>>([
            () => new ManagerStatus(),
            () => throw new HaEnvironmentException("cluster not quorate - no store access"),
            () => new ManagerStatus(),
        ]);
        var history = new StoreHistory(() => answers.Dequeue()());
        for (int i = 0; i < 3; i++) history.Sample();
        Assert.That((history.Parsed, history.Unavailable, history.Violation), Is.EqualTo((2, 1, (string?)null)));
    }

    [Test]
    public void A_torn_manager_status_on_a_directory_store_is_caught()
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-history-").FullName;
        try
        {
            var store = StoreFactory.Open(new NodeConfig { Node = "node1", Store = StoreAddress.Parse("directory:" + dir) }, new ScaledClock(1));
            var history = new StoreHistory(store.ReadManagerStatus);
            history.Sample();
            Assert.That(history.Violation, Is.Null, "an empty store has an empty status");
            Directory.CreateDirectory(Path.Combine(dir, "ha"));
            File.WriteAllText(Path.Combine(dir, "ha", "manager_status"), "{\"master_node\":\"node1\",\"service_st");
            history.Sample();
            Assert.That(history.Violation, Does.StartWith("store history: the manager status did not parse at "));
            Assert.That(history.Violation, Does.Contain(StoreHistory.Unparsable));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_deposed_masters_write_on_etcd_is_caught_and_a_new_masters_is_not()
    {
        var address = (StoreAddress.Etcd)StoreAddress.Parse(HaManager.TestSupport.TestEtcd.Shared.StoreAddress(HaManager.TestSupport.TestEtcd.NewPrefix()));
        var budget = Core.SafetyBudget.Derived(10, 5);
        using var node1 = new Store.Etcd.EtcdStore(address, "node1", budget);
        using var node2 = new Store.Etcd.EtcdStore(address, "node2", budget);
        var history = new StoreHistory(node1.ReadManagerStatus, StoreHistory.EtcdFencing(node1));

        var lease1 = node1.Locks.TryAcquire("ha_manager_lock")!;
        node1.WriteManagerStatus(new ManagerStatus { MasterNode = "node1" }, lease1);
        history.Sample();
        Assert.That(history.Violation, Is.Null, "the holder's own write");

        node1.Locks.Release("ha_manager_lock");
        var lease2 = node2.Locks.TryAcquire("ha_manager_lock")!;
        history.Sample();
        Assert.That(history.Violation, Is.Null, "the old master's status, written before the new master took the lock");
        Assert.That(() => node1.WriteManagerStatus(new ManagerStatus { MasterNode = "node1" }, lease1), Throws.InstanceOf<HaEnvironmentException>(),
            "the guard refuses the deposed master");
        node2.WriteManagerStatus(new ManagerStatus { MasterNode = "node2" }, lease2);
        history.Sample();
        Assert.That(history.Violation, Is.Null, "the new master's write");

        // The bug the fencing token prevents, planted: the deposed master writes without the guard.
        node1.Connection.Put(node1.Keys.ManagerStatusMeta, Core.Formats.StatusJson.Write(new ManagerStatus { MasterNode = "node1" }));
        history.Sample();
        Assert.That(history.Violation, Does.Contain("fencing: the manager status was written by node1").And.Contain("after node2 took ha_manager_lock"));
    }
}
