using System.Text.Json;

namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: <c>ha-manager rules</c> writes rules.cfg as upstream does, lists rules in upstream's tables, and
/// refuses infeasible or malformed rules (config-cli §9.4, §5.5) without touching the store.
/// Method: the CLI in-process on a scratch store with ocf:a, ocf:b, ocf:c on node1..node3.
/// </summary>
public class RuleCommandTests
{
    private CliFixture _c = null!;

    [SetUp]
    public void SetUp()
    {
        _c = new CliFixture();
        foreach (var (sid, node) in new[] { ("ocf:a", "node1"), ("ocf:b", "node2"), ("ocf:c", "node3") })
            _c.Ok("add", sid, "--agent", "hamanager:demo-service", "--node", node);
    }

    [TearDown] public void TearDown() => _c.Dispose();

    private void TwoRules()
    {
        _c.Ok("rules", "add", "node-affinity", "pin", "--resources", "ocf:b,ocf:a", "--nodes", "node2,node1", "--strict", "1", "--comment", "keep: them");
        _c.Ok("rules", "add", "resource-affinity", "apart", "--resources", "ocf:a,ocf:c", "--affinity", "negative", "--disable");
    }

    [Test]
    public void Add_writes_rules_cfg_canonically()
    {
        TwoRules();
        Assert.That(File.ReadAllText(_c.Layout.Rules), Is.EqualTo(
            "node-affinity: pin\n\tcomment keep%3A them\n\tnodes node1,node2\n\tresources ocf:a,ocf:b\n\tstrict 1\n\n" +
            "resource-affinity: apart\n\tdisable\n\taffinity negative\n\tresources ocf:a,ocf:c\n\n"));
    }

    [Test]
    public void Config_and_list_print_upstreams_tables()
    {
        TwoRules();
        string? lang = Environment.GetEnvironmentVariable("LC_ALL");
        try
        {
            Environment.SetEnvironmentVariable("LC_ALL", "C");
            Assert.That(_c.Run("rules", "config").Out, Is.EqualTo(
                "+---------+--------+-------+-------------------+-------------+------------+\n" +
                "| enabled | state  | rule  | type              | resources   | comment    |\n" +
                "+=========+========+=======+===================+=============+============+\n" +
                "| 0       | in use | apart | resource-affinity | ocf:a,ocf:c |            |\n" +
                "+---------+--------+-------+-------------------+-------------+------------+\n" +
                "| 1       | in use | pin   | node-affinity     | ocf:a,ocf:b | keep: them |\n" +
                "+---------+--------+-------+-------------------+-------------+------------+\n"));
            Environment.SetEnvironmentVariable("LC_ALL", "C.UTF-8");
            Assert.That(_c.Run("rules", "list").Out, Is.EqualTo("┌───────┐\n│ rule  │\n╞═══════╡\n│ apart │\n├───────┤\n│ pin   │\n└───────┘\n"));
            Assert.That(_c.Run("rules", "config", "--noborder", "--type", "node-affinity").Out, Is.EqualTo(
                "enabled state  rule type          resources   comment\n1       in use pin  node-affinity ocf:a,ocf:b keep: them\n"));
        }
        finally { Environment.SetEnvironmentVariable("LC_ALL", lang); }

        using var json = JsonDocument.Parse(_c.Run("rules", "config", "--output-format", "json", "--resource", "ocf:c").Out);
        var only = json.RootElement.EnumerateArray().Single();
        Assert.That(only.GetProperty("rule").GetString(), Is.EqualTo("apart"));
        Assert.That(only.GetProperty("disable").GetInt32(), Is.EqualTo(1));
        Assert.That(only.GetProperty("order").GetInt32(), Is.EqualTo(2), "next ordinal = smallest + 1 (config-cli §5.4)");
    }

    [Test]
    public void Set_and_remove_edit_one_rule()
    {
        TwoRules();
        _c.Ok("rules", "set", "resource-affinity", "apart", "--delete", "disable", "--comment", "spread");
        _c.Ok("rules", "set", "node-affinity", "pin", "--delete", "strict,comment", "--nodes", "node1");
        _c.Ok("rules", "remove", "never-was");
        Assert.That(File.ReadAllText(_c.Layout.Rules), Is.EqualTo(
            "node-affinity: pin\n\tnodes node1\n\tresources ocf:a,ocf:b\n\n" +
            "resource-affinity: apart\n\tcomment spread\n\taffinity negative\n\tresources ocf:a,ocf:c\n\n"));
        _c.Ok("rules", "remove", "pin");
        Assert.That(_c.Run("rules", "list", "--noborder", "--noheader").Out, Is.EqualTo("apart\n"));
    }

    [Test]
    public void A_rule_in_conflict_shows_as_ignored()
    {
        _c.Ok("rules", "add", "resource-affinity", "together", "--resources", "ocf:a,ocf:b", "--affinity", "positive");
        // Written by hand: a negative rule on the same two resources contradicts the positive one.
        File.AppendAllText(_c.Layout.Rules, "resource-affinity: split\n\taffinity negative\n\tresources ocf:a,ocf:b\n\n");
        var rows = _c.Run("rules", "config", "--noborder", "--noheader").Out;
        Assert.That(rows, Is.EqualTo(
            "1 ignored (conflicts) together resource-affinity ocf:a,ocf:b\n1 ignored (conflicts) split    resource-affinity ocf:a,ocf:b\n"),
            "both sides of the contradiction are blamed (config-cli §5.5 check 4)");
        using var json = JsonDocument.Parse(_c.Run("rules", "config", "--output-format", "json").Out);
        Assert.That(json.RootElement.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "split")
            .GetProperty("errors").GetProperty("resources").GetString(),
            Is.EqualTo("rule shares two or more resources with a positive resource affinity rule"));
    }

    private static readonly object[] Refusals =
    [
        new object[] { new[] { "rules" }, "ERROR: incomplete command 'ha-manager rules'" },
        new object[] { new[] { "rules", "frob" }, "ERROR: unknown command 'ha-manager rules frob'" },
        new object[] { new[] { "rules", "add", "node-affinity", "nn", "--resources", "ocf:a" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "resource-affinity", "nn", "--resources", "ocf:a,ocf:b" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "colour-affinity", "nn", "--resources", "ocf:a" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "node-affinity", "9lives", "--resources", "ocf:a", "--nodes", "node1" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "resource-affinity", "nn", "--resources", "ocf:a,ocf:b", "--affinity", "positive", "--nodes", "node1" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "node-affinity", "nn", "--resources", "ocf:a", "--nodes", "node1", "--affinity", "positive" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "resource-affinity", "nn", "--resources", "ocf:a,ocf:b", "--affinity", "sideways" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "node-affinity", "nn", "--resources", "web", "--nodes", "node1" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "node-affinity", "nn", "--resources", "ocf:a", "--nodes", "node1:high" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "node-affinity", "nn", "--resources", "ocf:a", "--nodes", "node1", "--strict", "maybe" }, "400 Parameter verification failed." },
        new object[] { new[] { "rules", "add", "node-affinity", "nn", "--resources", "ocf:zz,ocf:yy", "--nodes", "node1" }, "create ha rule failed: cannot use unmanaged resource(s) ocf:yy, ocf:zz." },
        new object[] { new[] { "rules", "add", "node-affinity", "nn", "--resources", "ocf:c", "--nodes", "node9,node8" }, "create ha rule failed: cannot use non-existent node(s) node8, node9." },
        new object[] { new[] { "rules", "add", "node-affinity", "pin", "--resources", "ocf:c", "--nodes", "node1" }, "create ha rule failed: HA rule 'pin' already defined" },
        new object[] { new[] { "rules", "add", "resource-affinity", "lonely", "--resources", "ocf:c", "--affinity", "negative" }, "create ha rule failed: 400 Rule 'lonely' is invalid." },
        new object[] { new[] { "rules", "add", "node-affinity", "again", "--resources", "ocf:a", "--nodes", "node3" }, "create ha rule failed: 400 Rule 'again' is invalid." },
        new object[] { new[] { "rules", "set", "node-affinity", "nope", "--comment", "x" }, "update HA rules failed: HA rule 'nope' does not exist" },
        new object[] { new[] { "rules", "set", "resource-affinity", "pin", "--comment", "x" }, "update HA rules failed: unexpected property 'type'" },
        new object[] { new[] { "rules", "set", "node-affinity", "pin", "--delete", "nodes" }, "update HA rules failed: unable to delete required option 'nodes'" },
        new object[] { new[] { "rules", "set", "node-affinity", "pin", "--delete", "colour" }, "update HA rules failed: no such option 'colour'" },
        new object[] { new[] { "rules", "set", "node-affinity", "pin", "--delete", "strict", "--strict", "0" }, "update HA rules failed: cannot set and delete property 'strict' at the same time!" },
        new object[] { new[] { "rules", "set", "node-affinity", "pin", "--comment", "x", "--digest", "abc" }, "update HA rules failed: detected modified configuration - file changed by other user? Try again." },
        new object[] { new[] { "rules", "set", "resource-affinity", "apart", "--delete", "disable", "--resources", "ocf:a,ocf:b,ocf:c,ocf:zz" }, "update HA rules failed: cannot use unmanaged resource(s) ocf:zz." },
        new object[] { new[] { "rules", "config", "--output-format", "xml" }, "400 Parameter verification failed." },
    ];

    [TestCaseSource(nameof(Refusals))]
    public void A_refused_rule_command_leaves_the_store_untouched(string[] args, string firstLine)
    {
        TwoRules();
        var before = _c.Snapshot();
        var r = _c.Run(args);
        Assert.That(r.Exit, Is.EqualTo(255), r.Err);
        Assert.That(r.Err.Split('\n')[0], Is.EqualTo(firstLine), r.Err);
        Assert.That(r.Out, Is.Empty);
        Assert.That(_c.Snapshot(), Is.EqualTo(before));
    }

    [TestCase("resources.cfg", "add", "ocf:d", "--agent", "x:y", "--node", "node1")]
    [TestCase("resources.cfg", "set", "ocf:a", "--comment", "hello")]
    [TestCase("resources.cfg", "remove", "ocf:a")]
    [TestCase("rules.cfg", "rules", "add", "resource-affinity", "more", "--resources", "ocf:b,ocf:c", "--affinity", "negative")]
    [TestCase("rules.cfg", "rules", "remove", "apart")]
    public void A_file_with_unreadable_lines_is_not_rewritten(string file, params string[] args)
    {
        TwoRules();
        string path = Path.Combine(_c.Layout.Ha, file);
        File.AppendAllBytes(path, [0x00, 0xff, 0xfe, (byte)'\n', (byte)'g', (byte)'a', (byte)'r', 0x01, (byte)'\n']);
        var before = _c.Snapshot();
        var r = _c.Run(args);
        Assert.That(r.Exit, Is.EqualTo(255), r.Err);
        Assert.That(r.Err, Does.Contain($"refusing to rewrite ha/{file}: lines it cannot read would be lost"));
        Assert.That(_c.Snapshot(), Is.EqualTo(before));
    }
}
