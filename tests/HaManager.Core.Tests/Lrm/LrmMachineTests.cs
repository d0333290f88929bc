using HaManager.Core.Lrm;
using HaManager.Core.Model;

namespace HaManager.Core.Tests.Lrm;

/// <summary>
/// Goal: the LRM executes each request once per uid, applies the restart policy of
/// lrm-watchdog-env §7 and reports results under the request's uid. Method: an LRM over an
/// in-memory environment with a scripted agent iterates while the test plays the master.
/// </summary>
public class LrmMachineTests
{
    private static (LrmMachine Lrm, FakeEnvironment Env) Lrm(string sid, ServiceState state, int maxRestart = 1)
    {
        var env = new FakeEnvironment("node1").WithService(sid, "node1", maxRestart: maxRestart).WithNodesOnline()
            .WithStatus(sid, state, "node1");
        return (new LrmMachine(env.Node, new LrmStartupGate()), env);
    }

    private static LrmResult? ResultFor(FakeEnvironment env, string sid)
    {
        string uid = env.Status.ServiceStatus[sid].Uid;
        return env.LrmStatuses.TryGetValue("node1", out var s) && s.Results.TryGetValue(uid, out var r) ? r : null;
    }

    [Test]
    public void A_start_request_is_executed_once_per_uid()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started);
        lrm.DoOneIteration();
        env.Agent.Running.Clear(); // the service dies; the same uid must not start it again
        lrm.DoOneIteration();
        Assert.That(env.Agent.Starts, Is.EqualTo(1));
        Assert.That(ResultFor(env, "vm:100")?.ExitCode, Is.EqualTo(ExitCodes.Success));
        Assert.That(lrm.State, Is.EqualTo(LrmState.Active));
        Assert.That(env.OpenWatchdogs, Has.Count.EqualTo(1), "an active LRM holds its watchdog");
    }

    [Test]
    public void A_new_uid_for_the_same_state_is_executed_again()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started);
        lrm.DoOneIteration();
        env.Agent.Running.Clear();
        env.Status.ServiceStatus["vm:100"].Uid = "fresh";
        lrm.DoOneIteration();
        Assert.That(env.Agent.Starts, Is.EqualTo(2));
    }

    [Test]
    public void Restart_policy_retries_on_the_same_node_before_reporting()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started, maxRestart: 1);
        env.Agent.StartFailuresLeft = 1;
        lrm.DoOneIteration();
        Assert.That(ResultFor(env, "vm:100"), Is.Null, "a retry is not reported");
        Assert.That(env.Lines, Does.Contain("warning: restart policy: retry number 1 for service 'vm:100'"));
        lrm.DoOneIteration();
        Assert.That(ResultFor(env, "vm:100")?.ExitCode, Is.EqualTo(ExitCodes.Success));
    }

    [Test]
    public void Restart_policy_reports_an_error_once_its_retries_are_used_up()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started, maxRestart: 1);
        env.Agent.StartFailuresLeft = 5;
        lrm.DoOneIteration();
        lrm.DoOneIteration();
        Assert.That(ResultFor(env, "vm:100")?.ExitCode, Is.EqualTo(ExitCodes.Error));
        Assert.That(env.Lines, Does.Contain("err: unable to start service vm:100 on local node after 1 retries"));
    }

    [Test]
    public void Stopped_is_enforced_every_round()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Stopped);
        env.Agent.Running.Add("vm:100");
        lrm.DoOneIteration(); // no active service: the LRM stays idle
        Assert.That(env.Agent.Stops, Is.EqualTo(0));
        env.WithStatus("vm:200", ServiceState.Started, "node1").WithService("vm:200", "node1");
        lrm.DoOneIteration();
        env.Agent.Running.Add("vm:100");
        lrm.DoOneIteration();
        Assert.That(env.Agent.Stops, Is.EqualTo(2));
    }

    [Test]
    public void A_service_configured_on_another_node_reports_wrong_node()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started);
        env.Config["vm:100"].Node = "node2";
        lrm.DoOneIteration();
        Assert.That(ResultFor(env, "vm:100")?.ExitCode, Is.EqualTo(ExitCodes.WrongNode));
        Assert.That(env.Lines, Does.Contain("err: service 'vm:100' not on this node"));
    }

    [Test]
    public void Fence_request_drops_the_lrm_to_lost_agent_lock()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started);
        lrm.DoOneIteration();
        env.Status.ServiceStatus["vm:100"].State = ServiceState.Fence;
        lrm.DoOneIteration();
        Assert.That(lrm.State, Is.EqualTo(LrmState.LostAgentLock));
        Assert.That(env.Lines, Does.Contain("err: node needs to be fenced - releasing agent_lock"));
    }

    [Test]
    public void Lrm_restart_sets_mode_restart_and_exits_once_its_services_are_frozen()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started);
        lrm.DoOneIteration();
        lrm.ShutdownRequest();
        Assert.That(lrm.Mode, Is.EqualTo(LrmMode.Restart));
        Assert.That(lrm.DoOneIteration().Exit, Is.False, "still has an active service");
        env.Status.ServiceStatus["vm:100"].State = ServiceState.Freeze;
        Assert.That(lrm.DoOneIteration().Exit, Is.True);
        Assert.That(env.OpenWatchdogs, Is.Empty, "the watchdog is closed cleanly");
        Assert.That(env.Agent.Running, Does.Contain("vm:100"), "a restart does not stop services");
    }

    [Test]
    public void A_slow_job_does_not_stall_the_iteration_and_its_result_comes_in_a_later_pass()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started);
        env.HoldJobs = true;
        lrm.DoOneIteration();
        Assert.That(env.HeldJobs, Has.Count.EqualTo(1), "the start was handed to the runner");
        Assert.That(ResultFor(env, "vm:100"), Is.Null, "no result before the job finished");
        int renewals = env.LockAttempts;
        env.Now += 10;
        lrm.DoOneIteration();
        lrm.DoOneIteration();
        Assert.That(env.LockAttempts, Is.GreaterThan(renewals), "the agent lock is renewed while the job runs");
        Assert.That(env.StartedJobs, Has.Count.EqualTo(1), "a running job is never started again");
        env.FinishHeldJobs();
        lrm.DoOneIteration();
        Assert.That(ResultFor(env, "vm:100")?.ExitCode, Is.EqualTo(ExitCodes.Success));
        Assert.That(env.Agent.Starts, Is.EqualTo(1));
    }

    [Test]
    public void At_most_max_workers_jobs_run_at_once_and_the_rest_follow()
    {
        var env = new FakeEnvironment("node1").WithNodesOnline();
        foreach (var sid in new[] { "vm:101", "vm:102", "vm:103" })
            env.WithService(sid, "node1").WithStatus(sid, ServiceState.Started, "node1");
        env.HoldJobs = true;
        env.MaxWorkers = 2;
        var lrm = new LrmMachine(env.Node, new LrmStartupGate());
        lrm.DoOneIteration();
        Assert.That(env.HeldJobs.Select(j => j.Job.Sid), Is.EqualTo(new[] { "vm:101", "vm:102" }));
        env.FinishHeldJobs();
        lrm.DoOneIteration();
        Assert.That(env.HeldJobs.Select(j => j.Job.Sid), Is.EqualTo(new[] { "vm:103" }), "the waiting job starts once a worker is free");
        env.FinishHeldJobs();
        lrm.DoOneIteration();
        Assert.That(env.Agent.Running, Is.EquivalentTo(new[] { "vm:101", "vm:102", "vm:103" }));
    }

    [Test]
    public void Iterations_ask_for_their_round_instead_of_sleeping()
    {
        var (lrm, env) = Lrm("vm:100", ServiceState.Started);
        long start = env.Now;
        var next = lrm.DoOneIteration();
        Assert.That(next.Exit, Is.False);
        Assert.That(next.AtMonotonicSeconds, Is.EqualTo(start + SafetyBudget.Pmxcfs.RoundSeconds), "an active round lasts R from its start");
        var idle = new LrmMachine(new FakeEnvironment("node2").WithNodesOnline().Node, new LrmStartupGate()).DoOneIteration();
        Assert.That(idle.AfterSeconds, Is.EqualTo(SafetyBudget.Pmxcfs.IdleSleepSeconds), "an idle LRM waits");
    }
}
