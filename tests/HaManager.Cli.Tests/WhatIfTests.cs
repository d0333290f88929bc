namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: <c>ha-manager what-if</c> answers "what happens if this node fails?" with the real manager's
/// decision, and never touches the cluster. Method: situations whose answer follows from the rules
/// (config-cli §10.8), on a scratch store; the store is compared byte for byte afterwards.
/// </summary>
public class WhatIfTests
{
    private static CliFixture ThreeServices()
    {
        var c = new CliFixture();
        foreach (var (sid, node) in new[] { ("ocf:a", "node1"), ("ocf:b", "node2"), ("ocf:c", "node3") })
            Assert.That(c.Run("add", sid, "--agent", "hamanager:demo-service", "--node", node).Exit, Is.Zero);
        return c;
    }

    [Test]
    public void A_failed_node_s_service_goes_where_the_rules_allow_and_the_store_is_untouched()
    {
        using var c = ThreeServices();
        Assert.That(c.Run("rules", "add", "resource-affinity", "a-not-with-b", "--resources", "ocf:a,ocf:b", "--affinity", "negative").Exit, Is.Zero);
        var before = c.Snapshot();
        var r = c.Run("what-if", "--fail", "node1");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Out, Does.StartWith("If fail node1 (simulated, nothing was changed):\n  ocf:a moves node1 -> node3, 'started' after "));
        Assert.That(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2), "only ocf:a is affected");
        Assert.That(c.Snapshot(), Is.EqualTo(before));

        // Without the rule the tie between node2 and node3 breaks the other way: the rule made the difference.
        Assert.That(c.Run("rules", "remove", "a-not-with-b").Exit, Is.Zero);
        Assert.That(c.Run("what-if", "--fail", "node1").Out, Does.Contain("ocf:a moves node1 -> node2"));
    }

    [Test]
    public void A_strict_rule_with_no_node_left_leaves_the_service_stranded()
    {
        using var c = ThreeServices();
        Assert.That(c.Run("rules", "add", "node-affinity", "a-only-node1", "--resources", "ocf:a", "--nodes", "node1", "--strict", "1").Exit, Is.Zero);
        var r = c.Run("what-if", "--fail", "node1", "--output-format", "json");
        Assert.That(r.Exit, Is.Zero, r.Err);
        using var json = System.Text.Json.JsonDocument.Parse(r.Out);
        var a = json.RootElement.GetProperty("services").EnumerateArray().Single();
        Assert.That(a.GetProperty("sid").GetString(), Is.EqualTo("ocf:a"));
        Assert.That(a.GetProperty("to").GetString(), Is.EqualTo("node1"), "no other node is allowed");
        Assert.That(a.GetProperty("state").GetString(), Is.EqualTo("recovery"));
        Assert.That(c.Run("what-if", "--fail", "node1").Out, Does.Contain("ocf:a is stranded: fenced off node1, in 'recovery' with no node its rules allow"));
    }

    [Test]
    public void Maintenance_moves_services_away_quickly()
    {
        using var c = ThreeServices();
        var r = c.Run("what-if", "--maintenance", "node3");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Out, Does.Match(@"ocf:c moves node3 -> node[12], 'started' after \d+ s"));
        Assert.That(c.Run("what-if", "--fail", "node7").Err, Is.EqualTo("no such cluster node 'node7'\n"));
    }

    [Test]
    public void A_joining_node_attracts_what_its_rules_prefer_and_names_are_checked()
    {
        using var c = ThreeServices();
        // node4 is a member that is offline now (a machine being added).
        var members = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(c.Layout.Members))!;
        members["nodelist"]!["node4"] = new System.Text.Json.Nodes.JsonObject { ["id"] = 4, ["online"] = 0, ["ip"] = "127.0.0.1" };
        File.WriteAllText(c.Layout.Members, members.ToJsonString());
        Assert.That(c.Run("rules", "add", "node-affinity", "a-prefers-node4", "--resources", "ocf:a", "--nodes", "node4:2,node1:1").Exit, Is.Zero);
        var before = c.Snapshot();

        var r = c.Run("what-if", "--add-node", "node4");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Out, Does.Match(@"^If add-node node4 \(simulated, nothing was changed\):\n  ocf:a moves node1 -> node4, 'started' after \d+ s\n$"));
        Assert.That(c.Snapshot(), Is.EqualTo(before));
        Assert.That(c.Run("what-if", "--add-node", "node2").Err, Is.EqualTo("node 'node2' is already online\n"));
        Assert.That(c.Run("what-if", "--add-node", "no de").Err, Is.EqualTo("'no de' is not a node name\n"));
    }

    [Test]
    public void The_nodes_own_profile_sets_the_times()
    {
        using var c = ThreeServices();
        long After(string? config)
        {
            string? saved = Environment.GetEnvironmentVariable("HAMANAGER_CONFIG");
            Environment.SetEnvironmentVariable("HAMANAGER_CONFIG", config);
            try
            {
                var r = c.Run("what-if", "--fail", "node1", "--output-format", "json");
                Assert.That(r.Exit, Is.Zero, r.Err);
                using var json = System.Text.Json.JsonDocument.Parse(r.Out);
                return json.RootElement.GetProperty("services")[0].GetProperty("after_seconds").GetInt64();
            }
            finally { Environment.SetEnvironmentVariable("HAMANAGER_CONFIG", saved); }
        }
        string fast = Path.Combine(c.Root, "fast.yaml");
        File.WriteAllText(fast, "profile: fast\n");
        long slow = After(null), quick = After(fast);
        // The default profile: fence delay 60 s, lock lifetime 76 s; fast: 10 s and 21 s.
        Assert.That(slow, Is.GreaterThanOrEqualTo(76));
        Assert.That(quick, Is.LessThan(slow / 2));
        Assert.That(quick, Is.GreaterThanOrEqualTo(21), "never before the lock expired");
    }
}
