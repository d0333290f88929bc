using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Store.Etcd;

namespace HaManager.Store.Tests;

/// <summary>
/// Goal: on etcd a daemon wakes early for exactly what it must act on, and the daemons never wake each
/// other in a loop (every round writes a status with a new timestamp). Method: the wake filter fed the
/// changes a watch delivers.
/// </summary>
public class WakeFilterTests
{
    private static readonly EtcdKeys Keys = new("/hamanager/");

    private static string Lrm(long timestamp, params string[] uids)
    {
        var status = new LrmStatus { State = "active", Mode = "active", Timestamp = timestamp };
        foreach (var uid in uids) status.Results[uid] = new LrmResult("ocf:a", "started", 0);
        return StatusJson.Write(status);
    }

    private static string Manager(long timestamp, ServiceState state, string node)
    {
        var status = new ManagerStatus { MasterNode = "node1", Timestamp = timestamp };
        status.ServiceStatus["ocf:a"] = new ServiceStatusEntry { State = state, Node = node, Uid = "u1" };
        status.ServiceStatus["ocf:b"] = new ServiceStatusEntry { State = ServiceState.Started, Node = "node3", Uid = "u2" };
        return StatusJson.Write(status);
    }

    [Test]
    public void The_master_wakes_for_news_from_an_lrm_but_not_for_a_new_timestamp()
    {
        var f = new WakeFilter(Keys, "node1", WakeRole.Crm);
        f.Wakes(Keys.Lock(LockNames.Manager), "node1", deleted: false);
        Assert.That(f.Wakes(Keys.LrmStatus("node2"), Lrm(1), false), Is.True, "first sight");
        Assert.That(f.Wakes(Keys.LrmStatus("node2"), Lrm(2), false), Is.False, "only the timestamp moved");
        Assert.That(f.Wakes(Keys.LrmStatus("node2"), Lrm(3, "u1"), false), Is.True, "a job finished");
        Assert.That(f.Wakes(Keys.ManagerStatusMeta, Manager(4, ServiceState.Started, "node2"), false), Is.False, "its own write");
        Assert.That(f.Wakes(Keys.ManagerStatusShard(7), Manager(4, ServiceState.Started, "node2"), false), Is.False, "its own write");
    }

    [Test]
    public void The_master_wakes_for_commands_configuration_nodes_and_freed_agent_locks()
    {
        var f = new WakeFilter(Keys, "node1", WakeRole.Crm);
        Assert.That(f.Wakes(Keys.CrmCommands + "0001", "migrate ocf:a node2\n", false), Is.True);
        Assert.That(f.Wakes(Keys.CrmCommands + "0001", null, true), Is.False, "taking the queue");
        Assert.That(f.Wakes(Keys.Config(ConfigFile.Resources), "ocf: a\n", false), Is.True);
        Assert.That(f.Wakes(Keys.Home("ocf:a"), "node2", false), Is.True);
        Assert.That(f.Wakes(Keys.OnlineOf("node2", "lrm-1"), null, true), Is.True, "a node went away");
        Assert.That(f.Wakes(Keys.Lock(LockNames.Agent("node2")), null, true), Is.True, "a dead node's lease expired: fence it now");
        Assert.That(f.Wakes(Keys.Lock(LockNames.Agent("node2")), "node2", false), Is.False, "a lock taken is no news");
    }

    [Test]
    public void A_standby_crm_wakes_only_when_the_manager_lock_is_freed()
    {
        var f = new WakeFilter(Keys, "node2", WakeRole.Crm);
        Assert.That(f.Wakes(Keys.Lock(LockNames.Manager), "node1", false), Is.False);
        Assert.That(f.Wakes(Keys.CrmCommands + "0001", "arm-ha\n", false), Is.False);
        Assert.That(f.Wakes(Keys.LrmStatus("node3"), Lrm(1, "u9"), false), Is.False);
        Assert.That(f.Wakes(Keys.Lock(LockNames.Manager), null, true), Is.True, "the master's lease expired: take over now");
    }

    [Test]
    public void An_lrm_wakes_when_its_own_services_change_and_only_then()
    {
        var f = new WakeFilter(Keys, "node2", WakeRole.Lrm);
        Assert.That(f.Wakes(Keys.ManagerStatusShard(3), Manager(1, ServiceState.RequestStart, "node2"), false), Is.True);
        Assert.That(f.Wakes(Keys.ManagerStatusShard(3), Manager(2, ServiceState.RequestStart, "node2"), false), Is.False, "a new round, nothing new for node2");
        Assert.That(f.Wakes(Keys.ManagerStatusShard(3), Manager(3, ServiceState.Started, "node2"), false), Is.True);
        Assert.That(f.Wakes(Keys.LrmStatus("node3"), Lrm(4, "u2"), false), Is.False, "another node's LRM");
        Assert.That(f.Wakes(Keys.ManagerStatusMeta, Manager(5, ServiceState.RequestStop, "node2"), false), Is.False, "the meta key holds no service");
        Assert.That(f.Wakes(Keys.ManagerStatusShard(3), null, true), Is.True, "its services left the shard");
        var other = new WakeFilter(Keys, "node3", WakeRole.Lrm);
        other.Wakes(Keys.ManagerStatusShard(3), Manager(1, ServiceState.RequestStart, "node2"), false);
        Assert.That(other.Wakes(Keys.ManagerStatusShard(3), Manager(3, ServiceState.Started, "node2"), false), Is.False, "ocf:a is not node3's");
    }
}
