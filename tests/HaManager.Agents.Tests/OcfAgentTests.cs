using System.Diagnostics;
using HaManager.Core.Model;

namespace HaManager.Agents.Tests;

/// <summary>
/// Goal: the OCF agent drives real OCF resource agents as the OCF API says: parameters as OCF_RESKEY_*,
/// monitor answers running/not running, start/stop work, a hung action is killed at its timeout, a
/// move is a relocation. Method: Debian's resource-agents (Dummy, Delay — installed when missing) and
/// our own demo agent, which ocf-tester must pass.
/// </summary>
public class OcfAgentTests
{
    private const string HeartbeatDir = "/usr/lib/ocf/resource.d/heartbeat";
    private string _dir = "";
    private ListLog _log = new();
    private FakeHomes _homes = new();
    private Dictionary<string, ServiceConfigEntry> _config = new(StringComparer.Ordinal);

    [SetUp]
    public void Scratch()
    {
        _dir = Directory.CreateTempSubdirectory("hamanager-ocf-").FullName;
        _log = new ListLog();
        _homes = new FakeHomes();
        _config = new Dictionary<string, ServiceConfigEntry>(StringComparer.Ordinal);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    private OcfAgent Agent(string root = OcfAgent.DefaultRoot) =>
        new("node1", _log, Config.Of(_config), _homes, root, rscTmp: Directory.CreateDirectory(Path.Combine(_dir, "rsctmp")).FullName);

    /// <summary>An OCF root holding our agents (contrib/ocf) next to Debian's.</summary>
    private string OwnRoot()
    {
        string root = Path.Combine(_dir, "ocf");
        Directory.CreateDirectory(Path.Combine(root, "resource.d"));
        Directory.CreateSymbolicLink(Path.Combine(root, "resource.d", "hamanager"), Path.Combine(RepoRoot(), "contrib", "ocf", "hamanager"));
        Directory.CreateSymbolicLink(Path.Combine(root, "lib"), "/usr/lib/ocf/lib");
        return root;
    }

    [Test]
    public void Dummy_starts_runs_and_stops_with_its_parameters()
    {
        Prerequisites.Require("resource-agents", Path.Combine(HeartbeatDir, "Dummy"));
        string state = Path.Combine(_dir, "dummy.state");
        _config["ocf:d1"] = Config.Ocf("heartbeat:Dummy", $"state={state}");
        var agent = Agent();
        Assert.That(agent.CheckRunning("ocf:d1"), Is.False);
        agent.Start("ocf:d1");
        Assert.That(agent.CheckRunning("ocf:d1"), Is.True);
        Assert.That(File.Exists(state), Is.True, "OCF_RESKEY_state reached the agent");
        agent.Shutdown("ocf:d1", null);
        Assert.That(agent.CheckRunning("ocf:d1"), Is.False);
    }

    [Test]
    public void A_start_that_outlives_its_timeout_is_killed_and_logged()
    {
        Prerequisites.Require("resource-agents", Path.Combine(HeartbeatDir, "Delay"));
        _config["ocf:slow"] = Config.Ocf("heartbeat:Delay", "startdelay=30", ("timeout-start", "1"));
        var clock = Stopwatch.StartNew();
        Agent().Start("ocf:slow");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(_log.Lines, Has.Some.Contains("ocf:slow: '").And.Contains("timed out after 1 s - killed"));
        Assert.That(_log.Lines, Has.Some.Contains("ocf:slow: start failed (exit -2)"));
    }

    [Test]
    public void A_resource_without_an_agent_is_not_running_and_says_why()
    {
        _config["ocf:none"] = new ServiceConfigEntry { Node = "node1", Type = "ocf" };
        Assert.That(Agent().CheckRunning("ocf:none"), Is.False);
        Assert.That(_log.Lines, Has.Some.Contains("ocf:none: no OCF agent configured"));
    }

    [Test]
    public void A_missing_agent_script_is_not_running()
    {
        _config["ocf:x"] = Config.Ocf("nobody:nothing");
        Assert.That(Agent().CheckRunning("ocf:x"), Is.False);
        Assert.That(_log.Lines, Has.Some.Contains("cannot run"));
    }

    [Test]
    public void A_monitor_that_fails_counts_as_running_so_no_second_copy_starts()
    {
        string root = Path.Combine(_dir, "ocf");
        Directory.CreateDirectory(Path.Combine(root, "resource.d", "test"));
        string script = Path.Combine(root, "resource.d", "test", "broken");
        File.WriteAllText(script, "#!/bin/sh\necho 'monitor: disk on fire' >&2\nexit 1\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        _config["ocf:b"] = Config.Ocf("test:broken");
        Assert.That(Agent(root).CheckRunning("ocf:b"), Is.True);
        Assert.That(_log.Lines, Has.Some.Contains("ocf:b: monitor: disk on fire"), "the agent's output goes to the log");
        Assert.That(_log.Lines, Has.Some.Contains("monitor failed (exit 1) - counting it as running"));
    }

    [Test]
    public void Our_demo_agent_passes_ocf_tester()
    {
        Prerequisites.Require("resource-agents", "/usr/sbin/ocf-tester");
        string agent = Path.Combine(RepoRoot(), "contrib", "ocf", "hamanager", "demo-service");
        var psi = new ProcessStartInfo("/usr/sbin/ocf-tester", ["-n", "t1", "-o", $"state_dir={_dir}", "-o", $"record={_dir}/record", agent])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["OCF_ROOT"] = "/usr/lib/ocf";
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.That(p.WaitForExit(120_000), Is.True);
        Assert.That(p.ExitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("passed all tests"));
    }

    [Test]
    public void Relocating_stops_here_and_moves_the_configuration()
    {
        string record = Path.Combine(_dir, "record");
        _config["ocf:web"] = Config.Ocf("hamanager:demo-service", $"state_dir={_dir}/state,record={record}");
        _homes.Nodes["ocf:web"] = "node1";
        var agent = Agent(OwnRoot());
        agent.Start("ocf:web");
        Assert.That(agent.CheckRunning("ocf:web"), Is.True);
        Assert.That(agent.Migrate("ocf:web", "node2", online: true), Is.True);
        Assert.That(agent.CheckRunning("ocf:web"), Is.False);
        Assert.That(_homes.Nodes["ocf:web"], Is.EqualTo("node2"));
        var lines = File.ReadAllLines(record);
        Assert.That(lines.Select(l => l.Split(' ')[1]), Is.EqualTo(new[] { "start", "stop" }));
        Assert.That(lines[0], Does.EndWith(" start web node1"), "the agent knows its node");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
