using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Store.Tests;

/// <summary>
/// Goal: every cluster store keeps the contract the core relies on (IClusterStore, IClusterLocks,
/// IMembership): copies in and out, fencing tokens that only grow, writes of a deposed master refused
/// with nothing written, a FIFO command queue, atomic service moves, and no writes or locks without
/// quorum. Method: the same tests against each store, three nodes, a clock the test moves.
/// </summary>
[TestFixtureSource(nameof(Stores))]
public class StoreContractTests(Func<IStoreFixture> create)
{
    public static IEnumerable<TestFixtureData> Stores()
    {
        yield return new TestFixtureData((Func<IStoreFixture>)(() => new SimStoreFixture())).SetArgDisplayNames("simulator");
        yield return new TestFixtureData((Func<IStoreFixture>)(() => new DirectoryStoreFixture())).SetArgDisplayNames("directory");
        yield return new TestFixtureData((Func<IStoreFixture>)(() => new EtcdStoreFixture())).SetArgDisplayNames("etcd");
    }

    private IStoreFixture _f = null!;

    [SetUp]
    public void Create() => _f = create();

    [TearDown]
    public void Destroy() => _f?.Dispose();

    private IClusterStore Store(string node) => _f.Node(node).Store;

    private IClusterLocks Locks(string node) => _f.Node(node).Locks;

    /// <summary>Lets time pass well beyond the lock lifetime (etcd's lease expiry is real time and may lag
    /// its TTL by a fraction of a second, so "just past" would test etcd's timer, not the store).</summary>
    private void OutliveLocks() => _f.Advance(_f.LockLifetimeSeconds * 3 / 2);

    [Test]
    public void An_empty_store_reads_as_empty()
    {
        var store = Store("node1");
        Assert.That(store.ReadManagerStatus().ServiceStatus, Is.Empty);
        Assert.That(store.ReadManagerStatus().MasterNode, Is.Null);
        Assert.That(store.ReadLrmStatus("node2").Results, Is.Empty);
        Assert.That(store.AnyPendingCrmCommand(), Is.False);
        Assert.That(store.ReadServiceConfig(), Is.Empty);
        Assert.That(store.ReadRulesConfig(), Is.Null);
        Assert.That(store.ReadGroupConfig(), Is.Null);
        Assert.That(store.ClusterStateUpdate(), Is.True);
    }

    [Test]
    public void Every_member_is_online_and_quorate()
    {
        var info = _f.Node("node2").Membership.GetNodeInfo();
        Assert.That(info.Quorate, Is.True);
        Assert.That(info.Online.Where(kv => kv.Value).Select(kv => kv.Key), Is.EquivalentTo(new[] { "node1", "node2", "node3" }));
        Assert.That(_f.Node("node2").Membership.IsQuorate(), Is.True);
    }

    [Test]
    public void The_master_writes_the_manager_status_and_every_node_reads_a_copy()
    {
        var lease = Locks("node1").TryAcquire(LockNames.Manager)!;
        var status = new ManagerStatus { MasterNode = "node1", Timestamp = 42 };
        status.ServiceStatus["vm:100"] = new ServiceStatusEntry { State = ServiceState.Started, Node = "node2", Uid = "u1" };
        Store("node1").WriteManagerStatus(status, lease);
        var read = Store("node3").ReadManagerStatus();
        Assert.That(read.MasterNode, Is.EqualTo("node1"));
        Assert.That(read.ServiceStatus["vm:100"].Node, Is.EqualTo("node2"));
        read.ServiceStatus["vm:100"].Node = "changed";
        Assert.That(Store("node3").ReadManagerStatus().ServiceStatus["vm:100"].Node, Is.EqualTo("node2"), "reads are copies");
    }

    [Test]
    public void A_lock_renewal_keeps_the_token_and_others_wait_for_its_lifetime()
    {
        var first = Locks("node1").TryAcquire(LockNames.Manager)!;
        Assert.That(Locks("node1").TryAcquire(LockNames.Manager), Is.EqualTo(first));
        Assert.That(Locks("node2").TryAcquire(LockNames.Manager), Is.Null, "held");
        _f.Advance(_f.LockLifetimeSeconds / 2);
        Assert.That(Locks("node2").TryAcquire(LockNames.Manager), Is.Null, "not yet older than its lifetime");
        OutliveLocks();
        var second = Locks("node2").TryAcquire(LockNames.Manager)!;
        Assert.That(second, Is.Not.Null, "expired: another node takes it");
        Assert.That(second.Token, Is.GreaterThan(first.Token));
        Assert.That(Locks("node1").TryAcquire(LockNames.Manager), Is.Null, "the old holder lost it");
    }

    [Test]
    public void A_released_lock_is_free_at_once_and_only_the_holder_may_release()
    {
        Locks("node1").TryAcquire(LockNames.Agent("node1"));
        Assert.That(Locks("node2").Release(LockNames.Agent("node1")), Is.False);
        Assert.That(Locks("node2").TryAcquire(LockNames.Agent("node1")), Is.Null);
        Assert.That(Locks("node1").Release(LockNames.Agent("node1")), Is.True);
        Assert.That(Locks("node2").TryAcquire(LockNames.Agent("node1")), Is.Not.Null, "the master fences by taking it");
    }

    [Test]
    public void A_fenced_holders_lock_is_taken_over_at_once_with_a_new_token_and_its_writes_fail()
    {
        var held = Locks("node3").TryAcquire(LockNames.Manager)!;
        Assert.That(Locks("node1").RenewedSecondsAgo(LockNames.Manager), Is.Not.Null.And.InRange(0, _f.LockLifetimeSeconds / 2),
            "a live lock was renewed a moment ago");
        Assert.That(Locks("node1").RenewedSecondsAgo(LockNames.Agent("node2")), Is.Null, "a free lock has none");

        var taken = Locks("node1").TakeOver(LockNames.Manager);
        Assert.That(taken, Is.Not.Null, "taken over without waiting for its lifetime");
        Assert.That(taken!.Token, Is.GreaterThan(held.Token));
        Assert.That(Locks("node3").TryAcquire(LockNames.Manager), Is.Null, "the old holder cannot renew it");
        Assert.Throws<HaEnvironmentException>(() => Store("node3").WriteManagerStatus(new ManagerStatus { MasterNode = "node3" }, held));
        Store("node1").WriteManagerStatus(new ManagerStatus { MasterNode = "node1" }, taken);
        Assert.That(Store("node2").ReadManagerStatus().MasterNode, Is.EqualTo("node1"));
    }

    [Test]
    public void A_deposed_master_writes_nothing()
    {
        var old = Locks("node1").TryAcquire(LockNames.Manager)!;
        OutliveLocks();
        var current = Locks("node2").TryAcquire(LockNames.Manager)!;
        Store("node2").WriteManagerStatus(new ManagerStatus { MasterNode = "node2" }, current);
        _f.AddService("vm:100", "node3", "started");

        Assert.Throws<HaEnvironmentException>(() => Store("node1").WriteManagerStatus(new ManagerStatus { MasterNode = "node1" }, old));
        Assert.Throws<HaEnvironmentException>(() => Store("node1").StealService("vm:100", "node3", "node1", old));
        Assert.That(Store("node3").ReadManagerStatus().MasterNode, Is.EqualTo("node2"));
        Assert.That(Store("node3").ReadServiceConfig()["vm:100"].Node, Is.EqualTo("node3"));
    }

    [Test]
    public void Lrm_statuses_are_per_node()
    {
        Store("node2").WriteLrmStatus("node2", new LrmStatus { State = "active", Mode = "active", Timestamp = 7 });
        Store("node3").WriteLrmStatus("node3", new LrmStatus { State = "wait_for_agent_lock", Mode = "maintenance" });
        Assert.That(Store("node1").ReadLrmStatus("node2").State, Is.EqualTo("active"));
        Assert.That(Store("node1").ReadLrmStatus("node3").Mode, Is.EqualTo("maintenance"));
        Assert.That(Store("node1").ReadLrmStatus("node1").State, Is.Null);
    }

    [Test]
    public void Crm_commands_are_a_queue_that_reading_empties()
    {
        Store("node2").QueueCrmCommand(new CrmCommand.Migrate("vm:100", "node3").Format());
        Store("node3").QueueCrmCommand(new CrmCommand.ArmHa().Format());
        Assert.That(Store("node1").AnyPendingCrmCommand(), Is.True);
        Assert.That(Store("node1").ReadCrmCommands(), Is.EqualTo("migrate vm:100 node3\narm-ha\n"));
        Assert.That(Store("node1").AnyPendingCrmCommand(), Is.False);
        Assert.That(Store("node1").ReadCrmCommands(), Is.Empty);
    }

    [Test]
    public void Service_configuration_updates_apply_and_unknown_services_are_refused_whole()
    {
        _f.AddService("vm:100", "node1", "started");
        _f.AddService("vm:101", "node2", "stopped");
        var config = Store("node3").ReadServiceConfig();
        Assert.That(config["vm:100"].Node, Is.EqualTo("node1"));
        Assert.That(config["vm:101"].State, Is.EqualTo("stopped"));

        Store("node1").UpdateServiceConfig(new Dictionary<string, ServiceConfigChange>
        {
            ["vm:101"] = new(new Dictionary<string, string> { ["state"] = "started" }, []),
        });
        Assert.That(Store("node3").ReadServiceConfig()["vm:101"].State, Is.EqualTo("started"));

        Assert.Throws<HaEnvironmentException>(() => Store("node1").UpdateServiceConfig(new Dictionary<string, ServiceConfigChange>
        {
            ["vm:100"] = new(new Dictionary<string, string> { ["state"] = "disabled" }, []),
            ["vm:999"] = new(new Dictionary<string, string> { ["state"] = "started" }, []),
        }));
        Assert.That(Store("node3").ReadServiceConfig()["vm:100"].State, Is.EqualTo("started"), "nothing of a refused edit lands");
    }

    [Test]
    public void Stealing_moves_a_service_only_from_where_it_is()
    {
        _f.AddService("vm:100", "node3", "started");
        var lease = Locks("node1").TryAcquire(LockNames.Manager)!;
        Assert.Throws<HaEnvironmentException>(() => Store("node1").StealService("vm:100", "node2", "node1", lease));
        Store("node1").StealService("vm:100", "node3", "node1", lease);
        Assert.That(Store("node2").ReadServiceConfig()["vm:100"].Node, Is.EqualTo("node1"));
    }

    [Test]
    public void Without_quorum_a_node_may_read_but_not_write_or_lock()
    {
        _f.AddService("vm:100", "node1", "started");
        _f.SetQuorate("node3", false);
        Assert.That(_f.Node("node3").Membership.IsQuorate(), Is.False);
        Assert.That(Locks("node3").TryAcquire(LockNames.Agent("node3")), Is.Null);
        Assert.Throws<HaEnvironmentException>(() => Store("node3").WriteLrmStatus("node3", new LrmStatus { State = "active" }));
        Assert.Throws<HaEnvironmentException>(() => Store("node3").QueueCrmCommand("arm-ha"));
        if (_f.ReadsWithoutQuorum) Assert.That(Store("node3").ReadServiceConfig(), Contains.Key("vm:100"), "reads still work");
        Assert.That(_f.Node("node1").Membership.IsQuorate(), Is.True, "the others stay quorate");

        _f.SetQuorate("node3", true);
        Assert.That(Locks("node3").TryAcquire(LockNames.Agent("node3")), Is.Not.Null);
    }

    [Test]
    public void Rules_are_replaced_and_a_missing_groups_file_cannot_be_deleted()
    {
        Store("node1").WriteRulesConfig("node-affinity: r1\n\tnodes node1\n\tresources vm:100\n");
        Assert.That(Store("node2").ReadRulesConfig(), Does.Contain("node-affinity: r1"));
        Assert.That(() => Store("node1").DeleteGroupConfig(), Throws.Exception);
    }
}
