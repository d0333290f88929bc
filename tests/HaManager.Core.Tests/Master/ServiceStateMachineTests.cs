using HaManager.Core.Model;
using MgrManager = HaManager.Core.Master.Manager;

namespace HaManager.Core.Tests.Master;

/// <summary>
/// Goal: every service-state transition of crm-manager §8 happens for the reason the spec gives, and
/// logs its line. Method: an in-memory environment holds the persisted status, configuration and LRM
/// results; one Manager round runs and the resulting service entry and log are checked.
/// </summary>
public class ServiceStateMachineTests
{
    private static (FakeEnvironment Env, ServiceStatusEntry Entry) Round(FakeEnvironment env, string sid)
    {
        var manager = new MgrManager(env.Node);
        manager.ManageRound(FakeEnvironment.ManagerLease);
        return (env, env.Status.ServiceStatus[sid]);
    }

    private static FakeEnvironment Cluster() => new FakeEnvironment().WithNodesOnline();

    [Test]
    public void New_started_service_goes_request_start_then_started_in_one_round()
    {
        var (env, sd) = Round(Cluster().WithService("vm:100", "node2"), "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Started));
        Assert.That(sd.Node, Is.EqualTo("node2"));
        Assert.That(env.Lines, Does.Contain("info: adding new service 'vm:100' on node 'node2'"));
        Assert.That(env.Lines, Does.Contain("info: service 'vm:100': state changed from 'request_start' to 'started'  (node = node2)"));
    }

    [Test]
    public void New_stopped_service_waits_in_request_stop_for_the_lrm()
    {
        var (_, sd) = Round(Cluster().WithService("vm:100", "node2", "stopped"), "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.RequestStop));
    }

    [Test]
    public void Request_stop_with_success_becomes_stopped()
    {
        var env = Cluster().WithService("vm:100", "node2", "stopped").WithStatus("vm:100", ServiceState.RequestStop, "node2")
            .WithResult("node2", "vm:100", ExitCodes.Success);
        Assert.That(Round(env, "vm:100").Entry.State, Is.EqualTo(ServiceState.Stopped));
    }

    [Test]
    public void Request_stop_with_failure_enters_error()
    {
        var env = Cluster().WithService("vm:100", "node2", "stopped").WithStatus("vm:100", ServiceState.RequestStop, "node2")
            .WithResult("node2", "vm:100", ExitCodes.Error);
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Error));
        Assert.That(e.Lines, Does.Contain("err: service 'vm:100' stop failed (exit code 1)"));
    }

    [Test]
    public void Stopped_service_requested_started_is_started()
    {
        var env = Cluster().WithService("vm:100", "node3").WithStatus("vm:100", ServiceState.Stopped, "node3");
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Started));
        Assert.That(e.Lines, Does.Contain("info: service 'vm:100': state changed from 'stopped' to 'request_start'  (node = node3)"));
    }

    [Test]
    public void Stopped_service_with_queued_migrate_moves_without_starting()
    {
        var env = Cluster().WithService("vm:100", "node1", "stopped").WithStatus("vm:100", ServiceState.Stopped, "node1");
        env.Commands = "migrate vm:100 node3\n";
        var (_, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Migrate));
        Assert.That(sd.Target, Is.EqualTo("node3"));
    }

    [Test]
    public void Started_service_requested_disabled_is_stopped()
    {
        var env = Cluster().WithService("vm:100", "node1", "disabled").WithStatus("vm:100", ServiceState.Started, "node1");
        Assert.That(Round(env, "vm:100").Entry.State, Is.EqualTo(ServiceState.RequestStop));
    }

    [TestCase("vm:100", "migrate", ServiceState.Migrate)]
    [TestCase("ct:100", "relocate", ServiceState.Relocate)]
    public void Started_service_executes_a_queued_motion(string sid, string verb, ServiceState expected)
    {
        var env = Cluster().WithService(sid, "node1").WithStatus(sid, ServiceState.Started, "node1");
        env.Commands = $"{verb} {sid} node2\n";
        var (e, sd) = Round(env, sid);
        Assert.That(sd.State, Is.EqualTo(expected));
        Assert.That(sd.Node, Is.EqualTo("node1"));
        Assert.That(sd.Target, Is.EqualTo("node2"));
        Assert.That(e.Lines, Does.Contain($"info: {verb} service '{sid}' to node 'node2'"));
    }

    [Test]
    public void Stop_command_requests_a_hard_stop_and_persists_the_stopped_state()
    {
        var env = Cluster().WithService("vm:100", "node1").WithStatus("vm:100", ServiceState.Started, "node1");
        env.Commands = "stop vm:100 0\n";
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.RequestStop));
        Assert.That(sd.Timeout, Is.EqualTo("0"));
        Assert.That(e.Config["vm:100"].State, Is.EqualTo("stopped"));
        Assert.That(e.Lines, Does.Contain("info: request immediate service hard-stop for service 'vm:100'"));
    }

    [Test]
    public void Failed_start_relocates_to_the_next_node_and_records_it()
    {
        var env = Cluster().WithService("vm:100", "node1").WithStatus("vm:100", ServiceState.Started, "node1")
            .WithResult("node1", "vm:100", ExitCodes.Error);
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Migrate));
        Assert.That(sd.FailedNodes, Is.EqualTo(new[] { "node1" }));
        Assert.That(sd.Target, Is.EqualTo("node2"));
        Assert.That(e.Lines, Does.Contain("warning: starting service vm:100 on node 'node1' failed, relocating service."));
    }

    [Test]
    public void Failed_start_beyond_max_relocate_enters_error()
    {
        var env = Cluster().WithService("vm:100", "node1", maxRelocate: 0).WithStatus("vm:100", ServiceState.Started, "node1")
            .WithResult("node1", "vm:100", ExitCodes.Error);
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Error));
        Assert.That(e.Lines, Does.Contain("err: recovery policy for service vm:100 failed, entering error state. Failed nodes: node1"));
    }

    [Test]
    public void Unrecoverable_start_result_enters_error()
    {
        var env = Cluster().WithService("vm:100", "node1").WithStatus("vm:100", ServiceState.Started, "node1")
            .WithResult("node1", "vm:100", ExitCodes.UnknownService);
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Error));
        Assert.That(e.Lines, Does.Contain("err: service 'vm:100' got unrecoverable error (exit code 7)"));
    }

    [Test]
    public void Successful_start_result_marks_running_and_renews_the_uid()
    {
        var env = Cluster().WithService("vm:100", "node1").WithStatus("vm:100", ServiceState.Started, "node1")
            .WithResult("node1", "vm:100", ExitCodes.Success);
        string before = env.Status.ServiceStatus["vm:100"].Uid;
        var (_, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Started));
        Assert.That(sd.Running, Is.True);
        Assert.That(sd.Uid, Is.Not.EqualTo(before));
    }

    [Test]
    public void Services_of_a_restarting_lrm_are_frozen_and_unfrozen_when_it_is_back()
    {
        var env = Cluster().WithService("vm:100", "node2").WithStatus("vm:100", ServiceState.Started, "node2")
            .WithLrmMode("node2", "restart");
        Assert.That(Round(env, "vm:100").Entry.State, Is.EqualTo(ServiceState.Freeze));
        env.WithLrmMode("node2", "active");
        Assert.That(Round(env, "vm:100").Entry.State, Is.EqualTo(ServiceState.Started));
    }

    [TestCase(ExitCodes.Success, ServiceState.Started, "node2")]
    [TestCase(ExitCodes.Error, ServiceState.Started, "node1")]
    [TestCase(ExitCodes.WrongNode, ServiceState.Error, "node1")]
    public void Migration_result_decides_where_the_service_ends(int exitCode, ServiceState expected, string node)
    {
        var env = Cluster().WithService("vm:100", "node1").WithStatus("vm:100", ServiceState.Migrate, "node1", "node2")
            .WithResult("node1", "vm:100", exitCode);
        var (_, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(expected));
        Assert.That(sd.Node, Is.EqualTo(node));
    }

    [Test]
    public void Ignored_rebalance_on_start_stays_on_the_source()
    {
        var env = Cluster().WithService("vm:100", "node1").WithStatus("vm:100", ServiceState.RequestStartBalance, "node1", "node2")
            .WithResult("node1", "vm:100", ExitCodes.Ignored);
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Started));
        Assert.That(sd.Node, Is.EqualTo("node1"));
        Assert.That(e.Lines, Does.Contain("info: service 'vm:100' - rebalance-on-start request ignored - service already running"));
    }

    [Test]
    public void Service_of_a_node_offline_for_60_seconds_is_fenced_and_recovered_once_the_lock_is_ours()
    {
        var env = Cluster().WithService("vm:100", "node3").WithStatus("vm:100", ServiceState.Started, "node3");
        var manager = new MgrManager(env.Node);
        manager.ManageRound(FakeEnvironment.ManagerLease); // node3 seen online
        env.Online["node3"] = false;
        env.Now += 59;
        manager.ManageRound(FakeEnvironment.ManagerLease);
        Assert.That(env.Status.ServiceStatus["vm:100"].State, Is.EqualTo(ServiceState.Started), "59 s is not yet dead");
        env.Now += 1;
        manager.ManageRound(FakeEnvironment.ManagerLease);
        Assert.That(env.Status.ServiceStatus["vm:100"].State, Is.EqualTo(ServiceState.Fence));
        Assert.That(env.Status.NodeStatus["node3"], Is.EqualTo(NodeState.Fence));

        env.FreeAgentLocks.Add("node3");
        env.Now += 20;
        manager.ManageRound(FakeEnvironment.ManagerLease);
        var sd = env.Status.ServiceStatus["vm:100"];
        Assert.That(sd.State, Is.EqualTo(ServiceState.Started));
        Assert.That(sd.Node, Is.EqualTo("node1"), "least loaded online node, ties by name");
        Assert.That(env.Config["vm:100"].Node, Is.EqualTo("node1"), "configuration stolen");
        Assert.That(env.Lines, Does.Contain("info: recover service 'vm:100' from fenced node 'node3' to node 'node1'"));
    }

    [Test]
    public void Disabled_service_without_recovery_node_is_stopped()
    {
        // The master's own node is in maintenance and the others are down: no node can take the service.
        var env = Cluster().WithService("vm:100", "node3", "disabled").WithStatus("vm:100", ServiceState.Recovery, "node3");
        env.Online["node2"] = false;
        env.Online["node3"] = false;
        env.Status.NodeStatus["node2"] = NodeState.Unknown;
        env.Status.NodeStatus["node3"] = NodeState.Unknown;
        env.WithLrmMode("node1", "maintenance");
        env.Status.NodeStatus["node1"] = NodeState.Maintenance;
        var (e, sd) = Round(env, "vm:100");
        Assert.That(sd.State, Is.EqualTo(ServiceState.Stopped));
        Assert.That(e.Lines, Does.Contain("err: recovering service 'vm:100' from fenced node 'node3' failed, no recovery node found"));
    }

    [Test]
    public void Error_service_leaves_error_only_when_disabled()
    {
        var env = Cluster().WithService("vm:100", "node1").WithStatus("vm:100", ServiceState.Error, "node1");
        Assert.That(Round(env, "vm:100").Entry.State, Is.EqualTo(ServiceState.Error));
        env.Config["vm:100"].State = "disabled";
        Assert.That(Round(env, "vm:100").Entry.State, Is.EqualTo(ServiceState.Stopped));
    }

    [Test]
    public void Every_state_change_renews_the_uid()
    {
        var env = Cluster().WithService("vm:100", "node1", "disabled").WithStatus("vm:100", ServiceState.Started, "node1");
        string before = env.Status.ServiceStatus["vm:100"].Uid;
        Assert.That(Round(env, "vm:100").Entry.Uid, Is.Not.EqualTo(before));
    }

    [Test]
    public void Removing_the_configuration_drops_the_service()
    {
        var env = Cluster().WithStatus("vm:100", ServiceState.Started, "node1");
        new MgrManager(env.Node).ManageRound(FakeEnvironment.ManagerLease);
        Assert.That(env.Status.ServiceStatus, Does.Not.ContainKey("vm:100"));
        Assert.That(env.Lines, Does.Contain("info: removing stale service 'vm:100' (no config)"));
    }

    [TestCase(ServiceState.Stopped, ServiceState.Started)]
    [TestCase(ServiceState.Error, ServiceState.Started)]
    [TestCase(ServiceState.Freeze, ServiceState.Fence)]
    [TestCase(ServiceState.Recovery, ServiceState.Migrate)]
    public void Transitions_outside_the_table_are_refused(ServiceState from, ServiceState to) =>
        Assert.That(ServiceTransitions.IsAllowed(from, to), Is.False);
}
