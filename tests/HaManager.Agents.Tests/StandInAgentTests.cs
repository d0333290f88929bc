using HaManager.Core.Model;

namespace HaManager.Agents.Tests;

/// <summary>
/// Goal: the systemd and Proxmox guest agents issue exactly the commands upstream's plugins do and read
/// their answers right. Method: stand-in scripts for systemctl, qm and pct that record their arguments
/// and answer from a state file (real systemd is exercised by the packaging issue's container tests).
/// </summary>
public class StandInAgentTests
{
    private string _dir = "";
    private ListLog _log = new();
    private FakeHomes _homes = new();

    [SetUp]
    public void Scratch()
    {
        _dir = Directory.CreateTempSubdirectory("hamanager-standin-").FullName;
        _log = new ListLog();
        _homes = new FakeHomes();
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    private string State => Path.Combine(_dir, "state");

    [Test]
    public void Systemd_units_start_stop_and_report_through_systemctl()
    {
        var systemctl = new StandIn(_dir, "systemctl", $$"""
            case "$1" in
              start) echo active > '{{State}}' ;;
              stop) rm -f '{{State}}' ;;
              is-active) [ -f '{{State}}' ] ;;
            esac
            """);
        var config = new Dictionary<string, ServiceConfigEntry>(StringComparer.Ordinal)
        {
            ["service:web.service"] = new() { Node = "node1", Type = "service" },
        };
        var agent = new SystemdAgent("node1", _log, Config.Of(config), _homes, systemctl.Path);
        Assert.That(agent.CheckRunning("service:web.service"), Is.False);
        agent.Start("service:web.service");
        Assert.That(agent.CheckRunning("service:web.service"), Is.True);
        agent.Shutdown("service:web.service", "30");
        Assert.That(agent.CheckRunning("service:web.service"), Is.False);
        Assert.That(systemctl.Calls, Is.EqualTo(new[]
        {
            "is-active --quiet web.service", "start web.service", "is-active --quiet web.service", "stop web.service",
            "is-active --quiet web.service",
        }));
    }

    [Test]
    public void A_failing_systemctl_start_is_logged_with_its_output()
    {
        var systemctl = new StandIn(_dir, "systemctl", "echo 'Job for web.service failed.' >&2; exit 1");
        var agent = new SystemdAgent("node1", _log, _ => null, _homes, systemctl.Path);
        agent.Start("service:web.service");
        Assert.That(_log.Lines, Has.Some.Contains("service:web.service: Job for web.service failed."));
        Assert.That(_log.Lines, Has.Some.Contains("systemctl start failed (exit 1)"));
    }

    [Test]
    public void Vms_use_qm_as_upstream_does()
    {
        var qm = new StandIn(_dir, "qm", $$"""
            case "$1" in
              status) if [ -f '{{State}}' ]; then echo 'status: running'; else echo 'status: stopped'; fi ;;
              start) touch '{{State}}' ;;
              shutdown|stop) rm -f '{{State}}' ;;
              config) echo 'memory: 2048'; echo 'lock: backup' ;;
            esac
            """);
        var agent = new PveGuestAgent("vm", "node1", _log, _homes, qm.Path);
        agent.Start("vm:100");
        Assert.That(agent.CheckRunning("vm:100"), Is.True);
        agent.Shutdown("vm:100", null);
        agent.Start("vm:100");
        agent.Shutdown("vm:100", "0");
        Assert.That(agent.CheckRunning("vm:100"), Is.False);
        Assert.That(agent.RemoveLocks("vm:100", ["backup", "migrate"]), Is.EqualTo("backup"));
        Assert.That(agent.RemoveLocks("vm:100", ["snapshot"]), Is.Null);
        Assert.That(qm.Calls, Is.EqualTo(new[]
        {
            "start 100", "status 100", "shutdown 100 --timeout 60 --forceStop 1", "start 100", "stop 100", "status 100",
            "config 100", "unlock 100", "config 100",
        }));
    }

    [Test]
    public void A_vm_migration_succeeds_when_its_configuration_left_this_node()
    {
        var qm = new StandIn(_dir, "qm", "[ \"$1\" = status ] && echo 'status: running'; exit 0");
        _homes.Nodes["vm:100"] = "node1";
        var agent = new PveGuestAgent("vm", "node1", _log, _homes, qm.Path);
        Assert.That(agent.Migrate("vm:100", "node2", online: true), Is.False, "the config did not move");
        _homes.Nodes["vm:100"] = "node2";
        Assert.That(agent.Migrate("vm:100", "node2", online: true), Is.True);
        Assert.That(qm.Calls, Has.Member("migrate 100 node2 --online --force --with-local-disks"));
    }

    [Test]
    public void Containers_never_migrate_live_and_shut_down_first()
    {
        var pct = new StandIn(_dir, "pct", $$"""
            case "$1" in
              status) if [ -f '{{State}}' ]; then echo 'status: running'; else echo 'status: stopped'; fi ;;
              shutdown) rm -f '{{State}}' ;;
            esac
            """);
        File.WriteAllText(State, "");
        _homes.Nodes["ct:200"] = "node2";
        var agent = new PveGuestAgent("ct", "node1", _log, _homes, pct.Path);
        Assert.That(agent.Migrate("ct:200", "node2", online: true), Is.True);
        Assert.That(_log.Lines, Has.Some.Contains("unable to live migrate running container, fallback to relocate"));
        Assert.That(pct.Calls, Is.EqualTo(new[] { "status 200", "status 200", "shutdown 200 --timeout 60", "migrate 200 node2" }));
    }
}
