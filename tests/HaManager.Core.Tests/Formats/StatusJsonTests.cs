using HaManager.Core.Formats;
using HaManager.Core.Model;

namespace HaManager.Core.Tests.Formats;

/// <summary>Goal: manager and LRM status files read what others write and write what they read.</summary>
public class StatusJsonTests
{
    [Test]
    public void Manager_status_round_trips()
    {
        var status = new ManagerStatus { MasterNode = "node1", Timestamp = 42, Disarm = new DisarmInfo("freeze", "disarming") };
        status.NodeStatus["node1"] = NodeState.Online;
        status.NodeStatus["node2"] = NodeState.Fence;
        status.NodeRequest = new SortedDictionary<string, bool>(StringComparer.Ordinal) { ["node1"] = true, ["node2"] = false };
        status.ServiceStatus["vm:100"] = new ServiceStatusEntry
        {
            State = ServiceState.Migrate, Node = "node1", Target = "node2", Uid = "x", FailedNodes = ["node3"],
            Command = new QueuedCommand("stop", "0"), MaintenanceNode = "node2",
        };
        string json = StatusJson.Write(status);
        Assert.That(json, Does.Contain("\"node_request\":{\"node1\":{\"maintenance\":1},\"node2\":{}}"));
        Assert.That(StatusJson.Write(StatusJson.ParseManagerStatus(json)), Is.EqualTo(json));
    }

    [Test]
    public void Manager_status_reader_accepts_upstream_shapes_and_ignores_unknown_keys()
    {
        var status = StatusJson.ParseManagerStatus("""
            {"master_node":"node1","timestamp":"100","relocate_tried_nodes":{},
             "service_status":{"vm:101":{"state":"started","node":"node1","uid":"a","running":1,"cmd":["stop",0]}},
             "node_status":{"node1":"online"}}
            """);
        var sd = status.ServiceStatus["vm:101"];
        Assert.That(status.Timestamp, Is.EqualTo(100));
        Assert.That(sd.Running, Is.True);
        Assert.That(sd.Command, Is.EqualTo(new QueuedCommand("stop", "0")));
    }

    [Test]
    public void Unknown_service_state_is_rejected() =>
        Assert.Throws<FormatException>(() => StatusJson.ParseManagerStatus("""{"service_status":{"vm:1":{"state":"bogus"}}}"""));

    [Test]
    public void Lrm_status_round_trips()
    {
        var status = new LrmStatus { State = "active", Mode = "active", Timestamp = 7 };
        status.Results["u1"] = new LrmResult("vm:100", "started", 0);
        string json = StatusJson.Write(status);
        Assert.That(json, Is.EqualTo("""{"state":"active","mode":"active","results":{"u1":{"sid":"vm:100","state":"started","exit_code":0}},"timestamp":7}"""));
        Assert.That(StatusJson.Write(StatusJson.ParseLrmStatus(json)), Is.EqualTo(json));
    }
}
