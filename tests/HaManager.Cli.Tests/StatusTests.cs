using System.Text.Json;

namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: <c>ha-manager status</c> words the cluster as upstream does (config-cli §9.5), in text and JSON.
/// Method: manager and LRM status files written in upstream's JSON, resources added through the CLI.
/// </summary>
public class StatusTests
{
    [Test]
    public void Status_lines_follow_the_manager_and_lrm_status()
    {
        using var c = new CliFixture();
        foreach (var (sid, node, extra) in new[] { ("ocf:web", "node1", new string[0]), ("ocf:down", "node2", ["--state", "stopped"]), ("ocf:new", "node2", []) })
            Assert.That(c.Run(["add", sid, "--agent", "hamanager:demo-service", "--node", node, .. extra]).Exit, Is.Zero);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long old = now - 120;
        File.WriteAllText(c.Layout.ManagerStatus, $$$"""
            {"master_node":"node1","node_status":{"node1":"online","node2":"online","node3":"unknown"},
             "service_status":{"ocf:down":{"node":"node2","running":1,"state":"started","uid":"u2"},
                               "ocf:web":{"node":"node1","running":1,"state":"started","uid":"u1"}},
             "timestamp":{{{now}}}}
            """);
        File.WriteAllText(c.Layout.LrmStatus("node1"), "{\"mode\":\"active\",\"results\":{},\"state\":\"active\",\"timestamp\":" + now + "}");
        File.WriteAllText(c.Layout.LrmStatus("node2"), "{\"mode\":\"maintenance\",\"results\":{},\"state\":\"maintenance\",\"timestamp\":" + old + "}");

        var r = c.Run("status");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Out, Is.EqualTo(
            "quorum OK\n" +
            $"master node1 (active, {StatusView.Ctime(now)})\n" +
            "fencing armed (CRM watchdog active)\n" +
            $"lrm node1 (active, watchdog active, {StatusView.Ctime(now)})\n" +
            $"lrm node2 (maintenance mode, watchdog standby, {StatusView.Ctime(old)})\n" +
            "lrm node3 (unable to read lrm status)\n" +
            "service ocf:down (node2, stopping)\n" +
            "service ocf:web (node1, started)\n" +
            "service ocf:new (node2, queued)\n"));

        using var json = JsonDocument.Parse(c.Run("status", "--output-format", "json").Out);
        var web = json.RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetString() == "service:ocf:web");
        Assert.That(web.GetProperty("crm-state").GetString(), Is.EqualTo("started"));
        Assert.That(web.GetProperty("request-state").GetString(), Is.EqualTo("started"));
        Assert.That(web.GetProperty("node").GetString(), Is.EqualTo("node1"));
    }

    [Test]
    public void A_stale_master_and_a_disarmed_stack_are_said_so()
    {
        using var c = new CliFixture();
        long old = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 300;
        File.WriteAllText(c.Layout.ManagerStatus, $$$"""
            {"master_node":"node3","node_status":{},"service_status":{},"timestamp":{{{old}}},
             "disarm":{"mode":"freeze","state":"disarmed"}}
            """);
        var r = c.Run("status");
        Assert.That(r.Out, Is.EqualTo(
            "quorum OK\n" +
            $"master node3 (idle, {StatusView.Ctime(old)}) - disarmed, resource mode: freeze\n" +
            "fencing disarmed, resource mode: freeze (CRM watchdog released)\n"));
    }
}
