using System.Diagnostics;
using HaManager.Core.Environment;
using HaManager.Core.Formats;

namespace HaManager.Agents.Tests;

/// <summary>
/// Goal: the master drives real fence agents the way fence-agents expects — options on standard input under
/// the names the agent's own metadata gives (short and long spellings mapped), action <c>off</c> last,
/// secrets never on a command line — and reports a level off only when every agent of it succeeded, failed
/// or hung agents as failures with the reason. Method: Debian's fence-agents (<c>fence_dummy</c> really
/// switching a status file, <c>fence_ipmilan</c>'s metadata) and our stand-in <c>fence_hamanager_local</c>,
/// which records each call and can fail or hang.
/// </summary>
public class FenceAgentTests
{
    private static readonly string StandIn = Path.Combine(AppContext.BaseDirectory, "fence", "fence_hamanager_local");
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Directory.CreateTempSubdirectory("hamanager-fence-").FullName;

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    private static FenceOutcome RunLevel(FenceAgentRunner runner, params FenceCommand[] commands)
    {
        runner.Start(new FenceRequest("node3", 0, commands));
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (runner.CollectFinished() is [var outcome]) return outcome;
            Thread.Sleep(20);
        }
        throw new AssertionException("the fence level never finished");
    }

    /// <summary>A local cluster's state file with node3 already off, so the stand-in's off succeeds at once.</summary>
    private string ClusterWithNode3Off()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "control"));
        File.WriteAllText(Path.Combine(_dir, "state.json"), """{"nodes":{"node3":{"power":"down","cut":false}}}""");
        return _dir;
    }

    private FenceCommand StandInCommand(string behaviour = "ok", string record = "calls")
    {
        File.WriteAllText(Path.Combine(_dir, record + ".behaviour"), behaviour);
        return new FenceCommand(StandIn, 1, [$"cluster_dir={ClusterWithNode3Off()}", "n=node3", $"record={Path.Combine(_dir, record)}",
            $"behaviour_file={Path.Combine(_dir, record + ".behaviour")}", "password=s3cret"]);
    }

    [Test]
    public void The_metadata_of_real_agents_maps_short_and_long_options_to_their_stdin_names()
    {
        Prerequisites.Require("fence-agents", "/usr/sbin/fence_ipmilan");
        var result = AgentProcess.Run("/usr/sbin/fence_ipmilan", ["-o", "metadata"], null, TimeSpan.FromSeconds(20), new ListLog(), "t", quiet: true);
        var metadata = FenceAgentMetadata.Parse(string.Join("\n", result.Output));
        Assert.That(metadata.NameOf("a"), Is.EqualTo("ip"));
        Assert.That(metadata.NameOf("l"), Is.EqualTo("username"));
        Assert.That(metadata.NameOf("p"), Is.EqualTo("password"));
        Assert.That(metadata.NameOf("lanplus"), Is.EqualTo("lanplus"));
        Assert.That(metadata.NameOf("power-timeout"), Is.EqualTo("power_timeout"));
        Assert.That(metadata.NameOf("no-such-option"), Is.Null);
        Assert.That(FenceAgentMetadata.StdinFor(metadata, "fence_ipmilan", ["a=10.0.0.3", "l=admin", "p=x y", "lanplus", "action=on"], "off"),
            Is.EqualTo("ip=10.0.0.3\nusername=admin\npassword=x y\nlanplus=1\naction=off\n"), "action off comes last and cannot be overridden");
        Assert.Throws<ArgumentException>(() => FenceAgentMetadata.StdinFor(metadata, "fence_ipmilan", ["ipadress=1"], "off"));
        Assert.Throws<FormatException>(() => FenceAgentMetadata.Parse("<html/>"));
    }

    [Test]
    public void A_real_fence_agent_powers_off_through_stdin_and_a_failing_one_is_reported_with_its_reason()
    {
        Prerequisites.Require("fence-agents", "/usr/sbin/fence_dummy");
        string status = Path.Combine(_dir, "power");
        File.WriteAllText(status, "on");
        var log = new ListLog();
        var runner = new FenceAgentRunner(log);
        var ok = RunLevel(runner, new FenceCommand("fence_dummy", 1, ["type=file", $"status-file={status}"]));
        Assert.That(ok.PoweredOff, Is.True, ok.Detail);
        Assert.That(File.ReadAllText(status), Is.EqualTo("off"), "fence_dummy switched its power file off");

        string broken = Path.Combine(_dir, "broken");
        File.WriteAllText(broken, "neither on nor off"); // fence_dummy cannot read the plug's state
        var bad = RunLevel(runner, new FenceCommand("fence_dummy", 1, ["type=file", $"status-file={broken}"]));
        Assert.That(bad.PoweredOff, Is.False);
        Assert.That(bad.Detail, Does.StartWith("command 'fence_dummy --type=file --status-file=").And.Contain("exited with '1'"));

        var unknown = RunLevel(runner, new FenceCommand("fence_dummy", 1, ["type=file", "stauts-file=/tmp/x"]));
        Assert.That((unknown.PoweredOff, unknown.Detail), Is.EqualTo((false, "command 'fence_dummy --type=file --stauts-file=/tmp/x' not run: fence agent 'fence_dummy' has no option 'stauts-file'")));
        var missing = RunLevel(runner, new FenceCommand("fence_no_such_agent", 1, ["ip=1"]));
        Assert.That(missing.Detail, Is.EqualTo("fence agent 'fence_no_such_agent' not found"));
    }

    [Test]
    public void The_stand_in_gets_its_options_on_stdin_and_no_secret_on_its_command_line()
    {
        var outcome = RunLevel(new FenceAgentRunner(new ListLog()), StandInCommand());
        Assert.That(outcome.PoweredOff, Is.True, outcome.Detail);
        string call = File.ReadAllLines(Path.Combine(_dir, "calls")).Single();
        Assert.That(call, Does.EndWith("off node3 options: cluster_dir plug record behaviour_file password action"),
            "-n became plug; the action came last");
        Assert.That(outcome.Detail, Does.Not.Contain("s3cret"));
    }

    [Test]
    public void A_level_is_off_only_when_every_parallel_agent_succeeded()
    {
        var runner = new FenceAgentRunner(new ListLog());
        var both = RunLevel(runner, StandInCommand("ok", "a"), StandInCommand("ok", "b"));
        Assert.That(both.PoweredOff, Is.True);
        var oneFails = RunLevel(runner, StandInCommand("ok", "a"), StandInCommand("fail", "b"));
        Assert.That(oneFails.PoweredOff, Is.False);
        Assert.That(oneFails.Detail, Does.Contain("exited with '1': Failed: device refused").And.Contain("--password='***'"));
        Assert.That(File.ReadAllLines(Path.Combine(_dir, "a")), Has.Length.EqualTo(2), "every agent of a level is called");
    }

    [Test]
    public void A_hanging_agent_is_killed_after_the_timeout_and_counts_as_failed()
    {
        var runner = new FenceAgentRunner(new ListLog()) { Timeout = TimeSpan.FromSeconds(1) };
        var watch = Stopwatch.StartNew();
        var outcome = RunLevel(runner, StandInCommand("hang"));
        Assert.That(outcome.PoweredOff, Is.False);
        Assert.That(outcome.Detail, Does.EndWith("timed out after 1 s"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }
}
