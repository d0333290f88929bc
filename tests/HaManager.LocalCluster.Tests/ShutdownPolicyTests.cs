using Mono.Unix.Native;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: SIGTERM while the host shuts down makes the LRM follow the datacenter shutdown policy, as
/// upstream's does: conditional and failover stop the services, freeze stops and freezes them, migrate
/// moves them to another node first; then the LRM exits with its watchdog closed (no reset). Method: a
/// stand-in systemctl on the nodes' PATH answers that a shutdown.target job is running (real systemd is
/// exercised in the packaging issue's containers), the real ha-lrm gets SIGTERM.
/// </summary>
public class ShutdownPolicyTests
{
    [TestCase("conditional", "shutdown LRM, stop all services")]
    [TestCase("failover", "shutdown LRM, stop all services")]
    [TestCase("freeze", "shutdown LRM, stop and freeze all services")]
    [TestCase("migrate", "shutdown LRM, doing maintenance, removing this node from active list")]
    public void Sigterm_during_a_host_shutdown_follows_the_policy(string policy, string expected)
    {
        string bin = Directory.CreateTempSubdirectory("hamanager-systemctl-").FullName;
        string flag = Path.Combine(bin, "node1-shutting-down");
        File.WriteAllText(Path.Combine(bin, "systemctl"), $$"""
            #!/bin/sh
            case "$HAMANAGER_CONFIG" in */nodes/node1/*) [ -f '{{flag}}' ] && { echo '42 shutdown.target start running'; exit 0; } ;; esac
            exit 1
            """);
        File.SetUnixFileMode(Path.Combine(bin, "systemctl"), (UnixFileMode)0b111_101_101);
        using var c = new ClusterFixture(nodes: 2, datacenterCfg: $"ha: shutdown_policy={policy}\n",
            nodeEnvironment: new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") });
        c.AddService("a", "node1");
        c.WaitFor("ocf:a runs on node1", () => c.Running().GetValueOrDefault("a") == "node1", 30);

        File.WriteAllText(flag, "");
        int lrm = c.PidOf("node1", "lrm");
        Syscall.kill(lrm, Signum.SIGTERM);
        c.WaitFor("the LRM exits", () => !ClusterFixture.IsAlive(lrm), 15 + 4 * c.LockLifetimeReal);

        string log = File.ReadAllText(c.Layout.Log("node1", "ha-lrm"));
        Assert.That(log, Does.Contain($"got shutdown request with shutdown policy '{policy}'"), c.Story());
        Assert.That(log, Does.Contain(expected));
        var records = c.Records();
        Assert.That(records.Any(r => r.What == "stop" && r.Instance == "a" && r.Node == "node1"), Is.True, "the service was stopped on node1\n" + c.Story());
        if (policy == "migrate")
        {
            // The LRM leaves once the manager has the service placed elsewhere; node2 starts it afterwards.
            Assert.That(Demo.ManagerView(c.Supervisor.Observer), Does.Contain("ocf:a started@node2"), "handed over before the LRM left\n" + c.Story());
            c.WaitFor("ocf:a runs on node2", () => c.Running().GetValueOrDefault("a") == "node2", 30);
            records = c.Records();
        }
        Assert.That(records.Where(r => r.What == "reset"), Is.Empty, "a clean exit: no watchdog reset");
        Assert.That(LocalCluster.Records.Overlaps(records), Is.Zero);
        Directory.Delete(bin, recursive: true);
    }
}
