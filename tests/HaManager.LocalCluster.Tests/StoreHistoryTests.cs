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

/// <summary>
/// Goal: the armed-start check reads watchdog-mux's client record right, and catches a start without an armed
/// LRM — planted in records of the real formats. Method: synthetic record lines.
/// </summary>
public class ArmedStartTests
{
    private static RecordLine Start(long ms, string node) => new(ms, "start", "s0", node);

    private static readonly Dictionary<string, string[]> Mux = new()
    {
        ["node1"] =
        [
            "1000 open 41 /usr/lib/hamanager/HaManager.Daemon crm",
            "2000 open 42 /usr/lib/hamanager/HaManager.Daemon lrm",
            "9000 close 42 /usr/lib/hamanager/HaManager.Daemon lrm",
            "12000 open 77 /usr/lib/hamanager/HaManager.Daemon lrm",
            "15000 expired 77 ",
        ],
    };

    [TestCase(2500, true, TestName = "A start while the LRM is connected is armed")]
    [TestCase(1800, true, TestName = "A start just before watchdog-mux accepted the LRM is armed (accept slack)")]
    [TestCase(500, false, TestName = "A start before any LRM connected is caught")]
    [TestCase(1500, false, TestName = "Only the CRM connected: not armed for services")]
    [TestCase(9500, false, TestName = "A start after the LRM closed its watchdog is caught")]
    [TestCase(16000, false, TestName = "A start after the LRM's client expired is caught")]
    public void Starts_are_checked_against_the_LRMs_armed_intervals(long at, bool armed)
    {
        var found = Records.UnarmedStarts([Start(at, "node1")], Mux, acceptSlackMs: 300);
        Assert.That(found, armed ? Is.Empty : Has.Count.EqualTo(1));
        if (!armed) Assert.That(found[0], Does.Contain($"s0 started on node1 at {at} without an LRM's armed watchdog"));
    }

    [Test]
    public void A_PID_of_the_nodes_next_life_and_a_power_loss_end_an_interval()
    {
        // Each life of a node is a new PID namespace: its LRM may be PID 15 again. The mux writes nothing when the
        // node loses power; the record file's hardware line says when.
        var mux = new Dictionary<string, string[]>
        {
            ["node2"] = ["1000 open 15 /x/HaManager.Daemon lrm", "5000 open 15 /x/HaManager.Daemon lrm"],
        };
        var lines = new List<RecordLine> { new(3000, "reset", null, "node2") };
        Assert.That(Records.UnarmedStarts([.. lines, Start(1100, "node2")], mux, 300), Is.Empty, "the first life, armed");
        Assert.That(Records.UnarmedStarts([.. lines, Start(5200, "node2")], mux, 300), Is.Empty, "the next life, armed");
        Assert.That(Records.UnarmedStarts([.. lines, Start(4000, "node2")], mux, 300), Has.Count.EqualTo(1), "between the reset and the next open");
    }

    [TestCase(5800, true, true, TestName = "A start completing after the LRM vanished, before the reset that follows, is armed")]
    [TestCase(5800, false, false, TestName = "A start after the LRM vanished is caught when no reset follows")]
    [TestCase(6100, true, false, TestName = "A start after the reset that followed the LRM's vanishing is caught")]
    public void A_vanished_LRM_dooms_its_node_until_the_reset(long at, bool reset, bool armed)
    {
        // Seed 9518: the LRM began a slow start armed and was killed; the agent finished 2 s later, as the device
        // reset the node. Without a reset within the device timeout, nothing protects such a start.
        var mux = new Dictionary<string, string[]>
        {
            ["node3"] = ["1000 open 21 /x/HaManager.Daemon lrm", "5000 vanished 21 "],
        };
        List<RecordLine> lines = reset ? [new(6000, "reset", null, "node3")] : [];
        var found = Records.UnarmedStarts([.. lines, new(at, "start", "s1", "node3")], mux, acceptSlackMs: 4000);
        Assert.That(found, armed ? Is.Empty : Has.Count.EqualTo(1));
    }

    [Test]
    public void A_node_without_any_record_has_nothing_armed() =>
        Assert.That(Records.UnarmedStarts([Start(5000, "node2")], Mux, 300), Has.Count.EqualTo(1));
}
