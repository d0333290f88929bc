using HaManager.Core.Environment;
using HaManager.Daemon;
using HaManager.WatchdogMux;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: after a node fenced itself, the next boot says why — which daemon let its watchdog expire and when,
/// and the lock and quorum losses before it — and <c>ha-manager status --verbose</c> and <c>explain</c> show it.
/// Method: the composition from hand-made records, then a local cluster whose node is cut off, resets, boots
/// again and publishes its post-mortem.
/// </summary>
public class SelfFencePostMortemTests
{
    [Test]
    public void The_post_mortem_names_the_daemon_and_the_losses_before_it_and_ignores_old_events()
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-pm-").FullName;
        try
        {
            long t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.That(PostMortem.Compose(dir, "node2"), Is.Null, "no record: no self-fence");
            File.WriteAllText(PostMortem.Events(dir, "ha-lrm"), $"{t - 4000} lost quorum\n{t - 70} lost quorum\n{t - 65} lost lock 'ha_agent_node2_lock'\n");
            File.WriteAllText(PostMortem.Events(dir, "ha-crm"), $"{t - 69} lost quorum\n");
            PostMortemRecord.Write(PostMortem.MuxRecord(dir), new PostMortemRecord(t, "expired", 4242, "/usr/lib/hamanager/HaManager.Daemon lrm", 61));
            string text = PostMortem.Compose(dir, "node2")!;
            string At(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(text, Is.EqualTo($"node2 self-fenced at {At(t)}: ha-lrm (PID 4242) stopped updating its watchdog (61 s silent) - before that: "
                + $"ha-lrm lost quorum at {At(t - 70)}, ha-crm lost quorum at {At(t - 69)}, ha-lrm lost lock 'ha_agent_node2_lock' at {At(t - 65)}"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Flaky : IClusterLocks, IMembership
    {
        public bool Works { get; set; } = true;
        public LockLease? TryAcquire(string name) => Works ? new LockLease(name, 1) : null;
        public LockLease? TryAcquireRepeatedly(string name) => TryAcquire(name);
        public bool Release(string name) => true;
        public LockLease? TakeOver(string name) => null;
        public long? RenewedSecondsAgo(string name) => null;
        public bool IsQuorate() => Works;
        public NodeInfo GetNodeInfo() => new(new Dictionary<string, bool>(), Works);
        public string? GetNodeVersion(string node) => null;
        public NodeShutdownInfo IsNodeShutdown() => default;
    }

    [Test]
    public void Only_changes_are_recorded_a_lock_never_held_is_never_lost()
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-pm-").FullName;
        try
        {
            var events = new NodeEvents(PostMortem.Events(dir, "ha-crm"), "ha-crm");
            var flaky = new Flaky { Works = false };
            var locks = new RecordingLocks(flaky, events);
            var membership = new RecordingMembership(flaky, events);
            locks.TryAcquire("ha_agent_node3_lock"); // a master trying to fence: never held, nothing lost
            membership.IsQuorate();                  // the first look is a state, not a change
            flaky.Works = true;
            for (int i = 0; i < 3; i++) { membership.IsQuorate(); locks.TryAcquire("ha_manager_lock"); }
            flaky.Works = false;
            for (int i = 0; i < 3; i++) { membership.IsQuorate(); locks.TryAcquire("ha_manager_lock"); }
            Assert.That(NodeEvents.Read(PostMortem.Events(dir, "ha-crm")).Select(e => e.What),
                Is.EqualTo(new[] { "regained quorum", "lost quorum", "lost lock 'ha_manager_lock'" }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_node_cut_off_tells_after_its_reboot_why_it_fenced_itself()
    {
        using var c = new ClusterFixture(bootDelayHaSeconds: 30);
        c.AddService("b", "node1"); // The CRMs elect a master only once there is a service to manage.
        c.WaitFor("a master", () => c.ManagerStatus().MasterNode is not null, 30);
        string victim = new[] { "node1", "node2", "node3" }.First(n => n != c.ManagerStatus().MasterNode);
        c.AddService("a", victim);
        c.WaitFor("both services run", () => c.Running().Count == 2, 30);

        c.Supervisor.CutOff(victim);
        c.WaitFor("the cut node resets itself", () => c.Records().Any(r => r.What == "reset" && r.Node == victim),
            10 + 2 * c.Timing.Real(c.Timing.Budget.WatchdogClientTimeoutSeconds + c.Timing.Budget.WatchdogDeviceTimeoutSeconds));
        c.Supervisor.Heal(victim);
        c.WaitFor("it boots and publishes its post-mortem", () => c.Supervisor.Observer.ReadPostMortem(victim) is not null, 30 + c.Timing.Real(30));
        string text = c.Supervisor.Observer.ReadPostMortem(victim)!;
        Assert.That(text, Does.StartWith($"{victim} self-fenced at ").And.Contain("ha-lrm (PID ").And.Contain("stopped updating its watchdog")
            .And.Contain(" lost quorum at ").And.Contain($"ha-lrm lost lock 'ha_agent_{victim}_lock' at"), c.Story());
        Assert.That(File.Exists(PostMortem.MuxRecord(c.Layout.PostMortemDir(victim)) + ".reported"), Is.True, "reported once");

        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.That(HaManager.Cli.HaManagerCli.Run(["status", "--verbose", "--store", c.Supervisor.StoreAddress], stdout, stderr, "node1"), Is.Zero, stderr.ToString());
        Assert.That(stdout.ToString(), Does.Contain($"post-mortem {text}\n"));
        (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.That(HaManager.Cli.HaManagerCli.Run(["explain", "ocf:a", "--store", c.Supervisor.StoreAddress], stdout, stderr, "node1"), Is.Zero, stderr.ToString());
        Assert.That(stdout.ToString(), Does.Contain($"Node {text}."));
    }
}
