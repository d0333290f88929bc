using HaManager.Core.Model;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: on etcd — a real 3-member etcd on loopback, every HA node reaching it through proxies of its own
/// that a cut resets — HaManager survives what a cluster of machines meets: a crashed node, a lost etcd
/// member, a node or the master cut off, etcd losing quorum altogether. Services restart elsewhere only
/// once their node is certainly dead, never as a second copy. Method: local clusters at time scale 10 (the
/// etcd members keep real time: elections take their real 1–2 s); the evidence is the agents' own
/// start/stop records and the virtual hardware's resets.
/// </summary>
public class EtcdFailoverTests
{
    private const double Scale = 10;

    private static ClusterFixture Cluster(double bootDelayHaSeconds = 300) =>
        new(scale: Scale, bootDelayHaSeconds: bootDelayHaSeconds, etcdMembers: 3);

    private static double WatchdogReal(ClusterFixture c) =>
        c.Timing.Real(c.Timing.Budget.WatchdogClientTimeoutSeconds + c.Timing.Budget.WatchdogDeviceTimeoutSeconds);

    [Test]
    public void On_etcd_a_crashed_nodes_services_restart_elsewhere_only_after_its_lock_expired()
    {
        using var c = Cluster();
        FailoverTests.CrashNode1AndCheckRecovery(c);
    }

    private static void TwoServicesRunning(ClusterFixture c)
    {
        c.AddService("a", "node1");
        c.AddService("b", "node2");
        c.WaitFor("both services run", () => c.Running().Count == 2, 30);
    }

    [Test]
    public void Losing_the_etcd_leader_moves_nothing_and_restarts_nothing()
    {
        using var c = Cluster();
        TwoServicesRunning(c);
        int before = c.Records().Count;

        int leader = c.Supervisor.Etcd!.LeaderIndex() ?? throw new InvalidOperationException("no etcd leader");
        c.Supervisor.Etcd.Kill(leader);
        // Two lock lifetimes: every lock is renewed through the new leader many times over.
        Thread.Sleep(TimeSpan.FromSeconds(2 * c.LockLifetimeReal));
        Assert.That(c.Records().Skip(before), Is.Empty, "no start, stop, reset or crash\n" + c.Story());
        Assert.That(c.ManagerStatus().ServiceStatus.Values.Select(s => s.State), Has.All.EqualTo(ServiceState.Started));
        c.Supervisor.Etcd.Restart(leader);
        Assert.That(c.Supervisor.Etcd.Healthy(leader), Is.True, "the member rejoins");
    }

    [Test]
    public void On_etcd_a_node_cut_off_fences_itself_and_its_services_move_only_after_its_lock_expired()
    {
        using var c = Cluster(bootDelayHaSeconds: 150);
        c.AddService("a", "node1");
        c.WaitFor("ocf:a runs", () => c.Running().ContainsKey("a"), 30);

        long cutMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        c.Supervisor.CutOff("node1");
        c.WaitFor("node1's watchdog resets it", () => c.Records().Any(r => r.What == "reset" && r.Node == "node1"), 10 + 2 * WatchdogReal(c));
        c.WaitFor("ocf:a runs elsewhere", () => c.Running().GetValueOrDefault("a") is { } n && n != "node1", 10 + 3 * c.LockLifetimeReal);
        var reset = c.Records().First(r => r.What == "reset" && r.Node == "node1");
        var restart = c.Records().Last(r => r.What == "start" && r.Instance == "a");
        Assert.That(restart.Ms, Is.GreaterThan(reset.Ms), "recovered only after the cut node reset itself");
        Assert.That((restart.Ms - cutMs) / 1000.0, Is.GreaterThanOrEqualTo(c.LockLifetimeReal - c.RoundReal - 0.5), "not before its lock expired");
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());

        c.Supervisor.Heal("node1");
        c.WaitFor("node1 boots and is online again", () => c.ManagerStatus().NodeStatus.GetValueOrDefault("node1") == NodeState.Online
            && c.Records().Count(r => r.What == "boot" && r.Node == "node1") == 2, 20 + c.Timing.Real(150));
    }

    [Test]
    public void The_master_cut_off_from_etcd_is_replaced_within_the_lock_lifetime()
    {
        using var c = Cluster();
        // A CRM seeks the manager lock only once services are configured (as upstream).
        foreach (var node in new[] { "node1", "node2", "node3" }) c.AddService("s-" + node, node);
        c.WaitFor("a master and every service running", () => c.ManagerStatus().MasterNode is not null && c.Running().Count == 3, 30);
        string master = c.ManagerStatus().MasterNode!;

        var cut = System.Diagnostics.Stopwatch.StartNew();
        c.Supervisor.CutOff(master);
        c.WaitFor("another node is master", () => c.ManagerStatus().MasterNode is { } m && m != master, 10 + 2 * c.LockLifetimeReal);
        double took = cut.Elapsed.TotalSeconds;
        Assert.That(took, Is.LessThanOrEqualTo(c.LockLifetimeReal + 2 * c.RoundReal + 3), "a new master within the lock TTL (and a round)");
        foreach (var node in c.Supervisor.Nodes.Select(n => n.Name).Where(n => n != master))
            Assert.That(c.Records().Count(r => r.Instance == "s-" + node && r.What == "start"), Is.EqualTo(1), $"ocf:s-{node} was left alone\n" + c.Story());
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());
        TestContext.Out.WriteLine($"new master {took:F1} s after the cut; lock lifetime {c.LockLifetimeReal:F1} s (real)");
    }

    [Test]
    public void When_etcd_loses_quorum_nodes_running_services_fence_and_everything_comes_back()
    {
        using var c = Cluster(bootDelayHaSeconds: 80);
        TwoServicesRunning(c);
        var etcd = c.Supervisor.Etcd!;

        etcd.Kill(1);
        etcd.Kill(2);
        c.WaitFor("the nodes running services reset themselves", () => c.Records().Count(r => r.What == "reset") >= 2, 10 + 2 * WatchdogReal(c));
        Assert.That(c.Running(), Is.Empty, "nothing runs without quorum once the watchdogs fired");
        etcd.Restart(1, waitHealthy: false);
        etcd.Restart(2);

        c.WaitFor("both services run again", () => c.Running().Count == 2, 30 + 3 * c.LockLifetimeReal);
        Assert.That(c.Supervisor.Observer.ReadServiceConfig().Keys, Is.EquivalentTo(new[] { "ocf:a", "ocf:b" }), "nothing lost");
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());
    }

    [Test]
    public void A_master_paused_longer_than_its_lease_steps_down_when_it_resumes()
    {
        using var c = Cluster();
        c.AddService("a", "node1");
        c.WaitFor("a master and ocf:a running", () => c.ManagerStatus().MasterNode is not null && c.Running().ContainsKey("a"), 30);
        string master = c.ManagerStatus().MasterNode!;
        if (c.Running()["a"] == master)
        {
            // A frozen node's services freeze with it and run on after it resumes: keep ocf:a elsewhere.
            string target = c.Supervisor.Nodes.Select(n => n.Name).First(n => n != master);
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            Assert.That(HaManager.Cli.HaManagerCli.Run(["migrate", "ocf:a", target, "--store", c.Supervisor.StoreAddress], stdout, stderr, "node1"), Is.Zero, stderr.ToString());
            c.WaitFor("ocf:a runs off the master", () => c.Running().GetValueOrDefault("a") is { } n && n != master, 30);
        }
        int starts = c.Records().Count(r => r.Instance == "a" && r.What == "start");

        c.Supervisor.Pause(master);
        c.WaitFor("another node is master", () => c.ManagerStatus().MasterNode is { } m && m != master, 10 + 2 * c.LockLifetimeReal);
        string successor = c.ManagerStatus().MasterNode!;
        c.Supervisor.Resume(master);

        string crmLog = c.Layout.Log(master, "ha-crm");
        c.WaitFor($"{master} notices it lost the lock and steps down", () => File.ReadAllText(crmLog).Contains("status change master => lost_manager_lock"),
            10 + 3 * c.RoundReal);
        Thread.Sleep(TimeSpan.FromSeconds(2 * c.RoundReal));
        Assert.That(c.ManagerStatus().MasterNode, Is.EqualTo(successor), "the old master wrote nothing over its successor\n" + c.Story());
        Assert.That(c.Records().Count(r => r.Instance == "a" && r.What == "start"), Is.EqualTo(starts), "ocf:a was left alone\n" + c.Story());
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());
    }
}
