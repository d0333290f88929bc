using System.Diagnostics;
using Mono.Unix.Native;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: on real processes — a real clock, the directory store, watchdog-mux, our OCF agent — a failed
/// node's services restart elsewhere only once the node is certainly dead, never as a second copy, and
/// a node cut off fences itself. Method: local clusters at time scale 20 (each test under a minute);
/// the evidence is the agents' own start/stop records and the virtual hardware's resets, not the
/// manager's view.
/// </summary>
public class FailoverTests
{
    [Test]
    public void A_crashed_nodes_services_restart_elsewhere_only_after_its_lock_expired()
    {
        using var c = new ClusterFixture();
        int servicePid = 0;
        CrashNode1AndCheckRecovery(c,
            beforeCrash: () =>
            {
                servicePid = c.ServiceHostPid("node1", "a");
                Assert.That(ClusterFixture.IsAlive(servicePid), Is.True, "the service is a real process");
            },
            // The kernel kills what the power cut leaves in the node's PID namespace in a moment, not at once.
            afterCrash: () => c.WaitFor("a power cut takes the node's services with it", () => !ClusterFixture.IsAlive(servicePid), 5));
    }

    /// <summary>ocf:a on node1 and ocf:b on node2 run; node1 crashes; ocf:a must run elsewhere, not before
    /// node1's lock expired, never twice at once, and ocf:b is left alone. Shared by every store.</summary>
    internal static void CrashNode1AndCheckRecovery(ClusterFixture c, Action? beforeCrash = null, Action? afterCrash = null)
    {
        c.AddService("a", "node1");
        c.AddService("b", "node2");
        c.WaitFor("both services run", () => c.Running().Count == 2, 30);
        beforeCrash?.Invoke();
        long crashMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        c.Supervisor.Crash("node1");
        afterCrash?.Invoke();
        c.WaitFor("ocf:a runs on another node", () => c.Running().GetValueOrDefault("a") is { } n && n != "node1",
            10 + 3 * c.LockLifetimeReal);

        var restart = c.Records().First(r => r.What == "start" && r.Instance == "a" && r.Ms > crashMs);
        double after = (restart.Ms - crashMs) / 1000.0;
        // Its last lock renewal was at most one round before the crash; the lock lives L after it.
        Assert.That(after, Is.GreaterThanOrEqualTo(c.LockLifetimeReal - c.RoundReal - 0.5), c.Story());
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());
        Assert.That(c.Records().Count(r => r.Instance == "b" && r.What == "start"), Is.EqualTo(1), "ocf:b was left alone");
        // watchdog-mux's own record: every start happened while that node's LRM had the watchdog armed.
        Assert.That(File.ReadAllText(c.Layout.MuxClients("node2")), Does.Match(@"\d+ open \d+ .*HaManager\.Daemon lrm"));
        Assert.That(LocalCluster.Chaos.Unarmed(c.Supervisor, c.Timing), Is.Empty, c.Story());
        TestContext.Out.WriteLine($"recovered {after:F1} s after the crash; lock lifetime {c.LockLifetimeReal:F1} s (real)");
    }

    [Test]
    public void A_node_cut_off_fences_itself_and_rejoins_after_the_heal()
    {
        using var c = new ClusterFixture(bootDelayHaSeconds: 150);
        c.AddService("a", "node1");
        c.WaitFor("ocf:a runs", () => c.Running().ContainsKey("a"), 30);

        c.Supervisor.CutOff("node1");
        c.WaitFor("node1's watchdog resets it", () => c.Records().Any(r => r.What == "reset" && r.Node == "node1"),
            10 + 2 * c.Timing.Real(c.Timing.Budget.WatchdogClientTimeoutSeconds + c.Timing.Budget.WatchdogDeviceTimeoutSeconds));
        c.WaitFor("ocf:a runs elsewhere", () => c.Running().GetValueOrDefault("a") is { } n && n != "node1", 10 + 3 * c.LockLifetimeReal);
        var reset = c.Records().First(r => r.What == "reset" && r.Node == "node1");
        var restart = c.Records().Last(r => r.What == "start" && r.Instance == "a");
        Assert.That(restart.Ms, Is.GreaterThan(reset.Ms), "recovered only after the cut node reset itself");
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());

        c.Supervisor.Heal("node1");
        c.WaitFor("node1 boots and is online again", () => c.ManagerStatus().NodeStatus.GetValueOrDefault("node1") == HaManager.Core.Model.NodeState.Online
            && c.Records().Count(r => r.What == "boot" && r.Node == "node1") == 2, 20 + c.Timing.Real(150));
        Assert.That(c.Running().GetValueOrDefault("a"), Is.Not.EqualTo("node1"), "no failback without a rule");
    }

    [Test]
    public void An_lrm_killed_before_it_armed_the_watchdog_is_started_again_and_takes_up_its_services()
    {
        // Found by a chaos campaign (seed 3006): an LRM killed while it still waited for its lock left the node
        // without an LRM for good — nothing resets a node whose dead daemon never opened the watchdog. The units
        // restart it (Restart=on-failure); so does the local cluster.
        using var c = new ClusterFixture();
        c.WaitFor("node2's LRM up", () => c.Supervisor.DaemonPid("node2", "lrm") is not null, 20);
        int first = c.PidOf("node2", "lrm");
        int boots = c.Supervisor.Nodes.Single(n => n.Name == "node2").Boots;
        Syscall.kill(first, Signum.SIGKILL);
        c.WaitFor("a new LRM on node2", () => c.Supervisor.DaemonPid("node2", "lrm") is { } pid && pid != first, 10);
        Assert.That(c.Supervisor.Nodes.Single(n => n.Name == "node2").Boots, Is.EqualTo(boots), "no reset: it had no watchdog to starve");
        c.AddService("a", "node2");
        c.WaitFor("a runs on node2", () => c.Running().GetValueOrDefault("a") == "node2", 30);
    }

    [Test]
    public void Killing_the_masters_crm_resets_that_node_and_another_becomes_master()
    {
        using var c = new ClusterFixture();
        c.AddService("a", "node2");
        c.WaitFor("a master and a running service", () => c.ManagerStatus().MasterNode is not null && c.Running().ContainsKey("a"), 30);
        string master = c.ManagerStatus().MasterNode!;
        Syscall.kill(c.PidOf(master, "crm"), Signum.SIGKILL);
        c.WaitFor($"{master} is reset by its watchdog", () => c.Records().Any(r => r.What == "reset" && r.Node == master),
            10 + 2 * c.Timing.Real(c.Timing.Budget.WatchdogClientTimeoutSeconds + c.Timing.Budget.WatchdogDeviceTimeoutSeconds));
        c.WaitFor("another node is master", () => c.ManagerStatus().MasterNode is { } m && m != master, 10 + 3 * c.LockLifetimeReal);
        Assert.That(LocalCluster.Records.Overlaps(c.Records()), Is.Zero, c.Story());
    }

    [Test]
    public void A_slow_start_does_not_stall_lock_renewal_or_the_watchdog()
    {
        using var c = new ClusterFixture();
        // The start takes longer than the client watchdog timeout: it must run on a worker, not in the loop.
        int delay = c.Timing.ClientRealSeconds + 3;
        c.AddService("slow", "node1", startDelaySeconds: delay);
        c.WaitFor("the slow service runs", () => c.Running().ContainsKey("slow"), delay + 30);
        Thread.Sleep(2000);
        Assert.That(c.Records().Where(r => r.What is "reset" or "crash"), Is.Empty, c.Story());
        Assert.That(c.Running()["slow"], Is.EqualTo("node1"));
    }

    [Test]
    public void The_demo_command_recovers_every_service_with_no_overlap()
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "HaManager.LocalCluster"), ["demo", "--time-scale", "20"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        string error = p.StandardError.ReadToEnd();
        Assert.That(p.WaitForExit(120_000), Is.True, "the demo ends");
        string text = output.Result;
        Assert.That(p.ExitCode, Is.Zero, text + error);
        Assert.That(text.TrimEnd().Split('\n')[^1], Does.Match(@"^demo: recovered 2/2 services in [0-9.]+ s \(time scale 20\), overlaps 0$"));
    }

    [Test]
    public void Sigterm_restarts_the_lrm_freezing_its_services_without_stopping_them()
    {
        using var c = new ClusterFixture();
        c.AddService("a", "node1");
        c.WaitFor("ocf:a runs", () => c.Running().ContainsKey("a"), 30);
        int lrm = c.PidOf("node1", "lrm");
        Syscall.kill(lrm, Signum.SIGTERM);
        // Without systemd shutting the host down, a TERM is an LRM restart: freeze, never stop.
        c.WaitFor("the LRM exits after its services are frozen", () => !ClusterFixture.IsAlive(lrm), 10 + 3 * c.LockLifetimeReal);
        string log = File.ReadAllText(c.Layout.Log("node1", "ha-lrm"));
        Assert.That(log, Does.Contain("restart LRM, freeze all services"));
        Assert.That(log, Does.Contain("server stopped"));
        Assert.That(c.ManagerStatus().ServiceStatus["ocf:a"].State, Is.EqualTo(HaManager.Core.Model.ServiceState.Freeze), c.Story());
        Assert.That(c.Records().Where(r => r.What == "stop"), Is.Empty, "the service kept running");
        Assert.That(c.Running()["a"], Is.EqualTo("node1"));
        Assert.That(c.Records().Where(r => r.What == "reset"), Is.Empty, "a clean exit closes the watchdog: no reset");
    }

    [Test]
    public void As_root_a_service_that_left_its_nodes_session_still_dies_with_the_node()
    {
        if (Environment.UserName != "root") Assert.Ignore("PID namespaces per node need root; as a normal user a node is its process group");
        using var c = new ClusterFixture(nodes: 2);
        Assert.That(c.Supervisor.PidNamespaces, Is.True);
        c.AddService("daemon", "node1", detach: true);
        c.WaitFor("the detached service runs", () => c.Running().ContainsKey("daemon"), 30);
        int pid = c.ServiceHostPid("node1", "daemon");
        Assert.That(ClusterFixture.IsAlive(pid), Is.True);
        int group = c.Supervisor.Nodes[0].Group!.Id;
        Assert.That(File.ReadAllText($"/proc/{pid}/stat").Split(' ')[4], Is.Not.EqualTo(group.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "the service left the node's process group");
        c.Supervisor.Crash("node1");
        c.WaitFor("the detached service died with its node", () => !ClusterFixture.IsAlive(pid), 5);
    }
}

/// <summary>
/// Goal: a node that boots without quorum (its network still cut, the store read-only) starts its daemons
/// anyway and waits for quorum, instead of exiting at start — a chaos campaign found nodes left without HA
/// after such a boot. Method: crash a node, keep it cut while it boots, check its daemons run; heal it and
/// check it publishes its version and runs a service again.
/// </summary>
public class BootWithoutQuorumTests
{
    [Test]
    public void A_node_booting_without_quorum_waits_for_it_instead_of_exiting()
    {
        using var c = new ClusterFixture(bootDelayHaSeconds: 20);
        c.AddService("b", "node2"); // a master only elects itself with a service to manage
        c.WaitFor("a master", () => c.ManagerStatus().MasterNode is not null, 30);
        c.Supervisor.CutOff("node1");
        c.Supervisor.Crash("node1");
        string version = Path.Combine(c.Layout.Store, "nodes", "node1", "version");
        File.Delete(version);
        c.WaitFor("node1 boots again, still cut", () => c.Records().Count(r => r.What == "boot" && r.Node == "node1") == 2, 20);
        Thread.Sleep(3000);
        Assert.That(c.Supervisor.DaemonPid("node1", "lrm"), Is.Not.Null, "ha-lrm runs without quorum\n" + c.Story());
        Assert.That(c.Supervisor.DaemonPid("node1", "crm"), Is.Not.Null, "ha-crm runs without quorum\n" + c.Story());
        Assert.That(File.Exists(version), Is.False, "nothing written without quorum");

        c.Supervisor.Heal("node1");
        c.WaitFor("node1 publishes its version once quorate", () => File.Exists(version), 15);
        c.AddService("a", "node1");
        c.WaitFor("a service runs on node1", () => c.Running().GetValueOrDefault("a") == "node1", 30);
    }
}
