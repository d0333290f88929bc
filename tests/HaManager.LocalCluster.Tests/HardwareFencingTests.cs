using HaManager.Core.Model;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: on real processes, a fence device that confirms a failed node off lets its services restart within
/// seconds instead of after its lock lifetime; a failing level falls through to the next; when every level
/// fails the watchdog path still recovers, never earlier; an operator's <c>fence-ack</c> does what a device
/// would. Method: local clusters at time scale 10 (lock lifetime 15 s real) with <c>fencing: hardware</c>;
/// the devices are Debian's <c>fence_dummy</c> (failing on purpose) and <c>fence_hamanager_local</c>, which
/// really powers nodes off through the supervisor and records each call. Evidence: the agents' own
/// start/stop records, the supervisor's power records and the fence calls.
/// </summary>
public class HardwareFencingTests
{
    private const string Hardware = "fencing: hardware\n";

    private static string[] Nodes => ["node1", "node2", "node3"];

    /// <summary>On etcd a crashed node shows as offline when its presence lease (5 real seconds) ran out: at time
    /// scale 10 that alone is half the lock lifetime, so the etcd runs take scale 5 to keep the comparison clear.</summary>
    private static double ScaleFor(int etcdMembers) => etcdMembers > 0 ? 5 : 10;

    /// <summary>ocf:a on a node that is not the master (a failed master is replaced only after its lock expired,
    /// by when the victim's lock has expired too); <paramref name="fail"/> then kills that node (crash or network
    /// cut). Returns the victim and the seconds from the failure to ocf:a's start elsewhere, checking no overlap.</summary>
    private static (string Victim, double After) FailNodeAndTimeRecovery(ClusterFixture c, Action<string> fail, double within)
    {
        c.AddService("b", "node1"); // The CRMs elect a master only once there is a service to manage.
        c.WaitFor("a master", () => c.ManagerStatus().MasterNode is not null, 30);
        string victim = Nodes.First(n => n != c.ManagerStatus().MasterNode);
        c.AddService("a", victim);
        c.WaitFor("both services run", () => c.Running().Count == 2, 30);
        long failedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        fail(victim);
        c.WaitFor("ocf:a runs on another node", () => c.Running().GetValueOrDefault("a") is { } n && n != victim, within);
        var restart = c.Records().First(r => r.What == "start" && r.Instance == "a" && r.Ms > failedMs);
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());
        return (victim, (restart.Ms - failedMs) / 1000.0);
    }

    private static string[] FenceCalls(ClusterFixture c) =>
        File.Exists(c.Layout.FenceCalls) ? File.ReadAllLines(c.Layout.FenceCalls) : [];

    [TestCase(0, TestName = "A_crashed_node_confirmed_off_by_its_fence_device_is_recovered_within_seconds(directory)")]
    [TestCase(3, TestName = "A_crashed_node_confirmed_off_by_its_fence_device_is_recovered_within_seconds(etcd)")]
    public void A_crashed_node_confirmed_off_by_its_fence_device_is_recovered_within_seconds(int etcdMembers)
    {
        using var c = new ClusterFixture(scale: ScaleFor(etcdMembers), datacenterCfg: Hardware,
            fenceCfg: l => ClusterServices.LocalFenceLevel(l, Nodes), etcdMembers: etcdMembers);
        var (victim, after) = FailNodeAndTimeRecovery(c, c.Supervisor.Crash, c.LockLifetimeReal);
        Assert.That(after, Is.LessThan(c.LockLifetimeReal - c.RoundReal - 0.5), "recovered before the lock could have expired\n" + c.Story());
        Assert.That(FenceCalls(c), Has.Some.Contains($" off {victim} options:"), c.Story());
        TestContext.Out.WriteLine($"recovered {after:F1} s after the crash; lock lifetime {c.LockLifetimeReal:F1} s (real)");
    }

    [Test]
    public void A_failing_first_level_falls_through_to_the_second_which_powers_a_cut_node_off()
    {
        Prerequisites.Require("fence-agents", "/usr/sbin/fence_dummy");
        using var c = new ClusterFixture(datacenterCfg: Hardware, fenceCfg: l =>
        {
            string broken = Path.Combine(l.Root, "dummy-power");
            File.WriteAllText(broken, "unreadable"); // fence_dummy cannot tell the plug's state: it fails
            return $"device dummy fence_dummy status-file={broken}\n"
                + string.Concat(Nodes.Select(n => $"connect dummy node={n} type=file\n"))
                + ClusterServices.LocalFenceLevel(l, Nodes);
        });
        // A cut node is alive: only a real power-off (or its own watchdog, much later) may end it.
        var (victim, after) = FailNodeAndTimeRecovery(c, c.Supervisor.CutOff, c.LockLifetimeReal);
        var fenced = c.Records().FirstOrDefault(r => r.What == "fence" && r.Node == victim);
        Assert.That(fenced, Is.Not.Null, "the second level powered the node off\n" + c.Story());
        var restart = c.Records().Last(r => r.What == "start" && r.Instance == "a");
        Assert.That(restart.Ms, Is.GreaterThan(fenced!.Ms), "recovered only after the power-off");
        Assert.That(c.Records().Any(r => r.What == "reset" && r.Node == victim && r.Ms < fenced.Ms), Is.False,
            "the device, not the watchdog, ended the node");
        Assert.That(File.ReadAllText(Path.Combine(c.Layout.Root, "dummy-power")), Is.EqualTo("unreadable"), "level 1 ran and failed");
        TestContext.Out.WriteLine($"recovered {after:F1} s after the cut");
    }

    [Test]
    public void When_every_level_fails_the_watchdog_path_recovers_and_not_before_the_lock_expired()
    {
        using var c = new ClusterFixture(datacenterCfg: Hardware, fenceCfg: l =>
        {
            File.WriteAllText(l.FenceBehaviour, "fail");
            return ClusterServices.LocalFenceLevel(l, Nodes);
        });
        var (victim, after) = FailNodeAndTimeRecovery(c, c.Supervisor.Crash, 10 + 3 * c.LockLifetimeReal);
        Assert.That(FenceCalls(c), Has.Some.Contains($" off {victim} "), "the device was tried\n" + c.Story());
        Assert.That(after, Is.GreaterThanOrEqualTo(c.LockLifetimeReal - c.RoundReal - 0.5), c.Story());
    }

    [TestCase(0, TestName = "An_operators_fence_ack_recovers_a_crashed_node_at_once(directory)")]
    [TestCase(3, TestName = "An_operators_fence_ack_recovers_a_crashed_node_at_once(etcd)")]
    public void An_operators_fence_ack_recovers_a_crashed_node_at_once(int etcdMembers)
    {
        using var c = new ClusterFixture(scale: ScaleFor(etcdMembers), etcdMembers: etcdMembers);
        var (_, after) = FailNodeAndTimeRecovery(c, node =>
        {
            c.Supervisor.Crash(node);
            c.WaitFor("the master sees the node gone", () => c.ManagerStatus().NodeStatus.GetValueOrDefault(node) is not NodeState.Online, 10);
            string master = c.ManagerStatus().MasterNode!;
            // ha-manager as an operator on the master's node runs it: with that node's configuration (its clock).
            Environment.SetEnvironmentVariable("HAMANAGER_CONFIG", c.Layout.NodeConfig(master));
            try
            {
                var (stdout, stderr) = (new StringWriter(), new StringWriter());
                int exit = HaManager.Cli.HaManagerCli.Run(["crm-command", "fence-ack", node, "--yes"], stdout, stderr, master);
                Assert.That(exit, Is.Zero, stderr.ToString());
            }
            finally
            {
                Environment.SetEnvironmentVariable("HAMANAGER_CONFIG", null);
            }
        }, c.LockLifetimeReal);
        Assert.That(after, Is.LessThan(c.LockLifetimeReal - c.RoundReal - 0.5), c.Story());
        TestContext.Out.WriteLine($"recovered {after:F1} s after the crash with fence-ack");
    }
}
