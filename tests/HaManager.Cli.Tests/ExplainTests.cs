using System.Text.Json;

namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: <c>ha-manager explain</c> answers "why is my service not running / not where I expect?" from what
/// the store holds. Method: situations whose answers are known, written as upstream's status files.
/// </summary>
public class ExplainTests
{
    [Test]
    public void A_service_in_error_names_the_failed_nodes_the_rules_and_the_way_out()
    {
        using var c = new CliFixture();
        foreach (var (sid, node) in new[] { ("ocf:web", "node1"), ("ocf:db", "node2") })
            Assert.That(c.Run("add", sid, "--agent", "hamanager:demo-service", "--node", node, "--max_relocate", "1").Exit, Is.Zero);
        Assert.That(c.Run("rules", "add", "node-affinity", "web-home", "--resources", "ocf:web", "--nodes", "node1,node2", "--strict", "1").Exit, Is.Zero);
        Assert.That(c.Run("rules", "add", "resource-affinity", "apart", "--resources", "ocf:web,ocf:db", "--affinity", "negative", "--disable").Exit, Is.Zero);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        File.WriteAllText(c.Layout.ManagerStatus, $$$"""
            {"master_node":"node3","node_status":{"node1":"online","node2":"maintenance","node3":"online"},
             "service_status":{"ocf:web":{"node":"node1","state":"error","uid":"u1","failed_nodes":["node1","node2"]},
                               "ocf:db":{"node":"node3","state":"started","running":1,"uid":"u2","maintenance_node":"node2"}},
             "timestamp":{{{now}}}}
            """);
        File.WriteAllText(c.Layout.LrmStatus("node1"),
            "{\"mode\":\"active\",\"results\":{\"u1\":{\"exit_code\":1,\"sid\":\"ocf:web\",\"state\":\"started\"}},\"state\":\"active\",\"timestamp\":" + now + "}");

        var web = c.Run("explain", "ocf:web");
        Assert.That(web.Exit, Is.Zero, web.Err);
        Assert.That(web.Out, Is.EqualTo(
            "Requested state 'started' (max_restart 1, max_relocate 1, failback on).\n" +
            "The manager (master node3) has it 'error' on node1.\n" +
            "It is in the error state: the manager gave up after the start and relocation tries. Fix the cause, then 'ha-manager set ocf:web --state disabled' and enable it again.\n" +
            "Starting it failed on node1, node2; relocation avoids those nodes (2 of max_relocate 1 + 1 tries used).\n" +
            "The LRM on node1 reported exit code 1 (error) for the current request.\n" +
            "Were it placed now, the basic scheduler counts node1 0 services, node3 1 service (without it); the fewest wins among the nodes its rules prefer.\n" +
            "Rule 'web-home' applies: only node1, node2.\n" +
            "Rule 'apart' (resource-affinity: apart from ocf:db) is disabled.\n"));

        var db = c.Run("explain", "ocf:db").Out;
        Assert.That(db, Does.Contain("The manager (master node3) has it 'started' on node3, running.\n"));
        Assert.That(db, Does.Contain("It left node2 for node maintenance and returns when node2 leaves maintenance.\n"));

        using var json = JsonDocument.Parse(c.Run("explain", "ocf:web", "--output-format", "json").Out);
        Assert.That(json.RootElement.GetProperty("state").GetString(), Is.EqualTo("error"));
        Assert.That(json.RootElement.GetProperty("failed_nodes").GetArrayLength(), Is.EqualTo(2));
        Assert.That(json.RootElement.GetProperty("rules")[1].GetProperty("status").GetString(), Is.EqualTo("disabled"));
        Assert.That(json.RootElement.GetProperty("scheduler").GetProperty("mode").GetString(), Is.EqualTo("basic"));
        Assert.That(json.RootElement.GetProperty("scheduler").GetProperty("scores").GetProperty("node3").GetDouble(), Is.EqualTo(1));
    }

    [Test]
    public void An_ignored_rule_says_why_and_an_unmanaged_service_says_so()
    {
        using var c = new CliFixture();
        Assert.That(c.Run("add", "ocf:a", "--agent", "x:y", "--node", "node1").Exit, Is.Zero);
        Assert.That(c.Run("add", "ocf:b", "--agent", "x:y", "--node", "node2").Exit, Is.Zero);
        File.WriteAllText(c.Layout.Rules, "resource-affinity: together\n\taffinity positive\n\tresources ocf:a,ocf:b\n\n"
            + "resource-affinity: split\n\taffinity negative\n\tresources ocf:a,ocf:b\n\n");
        var a = c.Run("explain", "ocf:a").Out;
        Assert.That(a, Does.Contain("No manager has written a status yet"));
        Assert.That(a, Does.Contain("Rule 'split' (resource-affinity: apart from ocf:b) is ignored: rule shares two or more resources with a positive resource affinity rule.\n"));
        Assert.That(c.Run("explain", "ocf:zz").Out, Is.EqualTo("'ocf:zz' is not configured in ha/resources.cfg, so HA does not manage it.\n"));
        Assert.That(c.Run("explain", "nonsense").Exit, Is.EqualTo(255));
    }
}
