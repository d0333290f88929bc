using System.Text.Json;
using HaManager.Cli;

namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: ha-manager behaves as upstream's does for an operator at a shell (config-cli §9): the same
/// words and output, the same abbreviations, and every refusal a one-message error with exit 255 that
/// leaves the store byte for byte as it was. Method: the CLI in-process on a scratch directory store.
/// </summary>
public class CliTests
{
    private CliFixture _c = null!;

    [SetUp] public void SetUp() => _c = new CliFixture();
    [TearDown] public void TearDown() => _c.Dispose();

    [Test]
    public void Add_and_set_write_resources_cfg_and_config_lists_it()
    {
        _c.Ok("add", "ocf:web", "--agent", "hamanager:demo-service", "--params", "name=web", "--node", "node2", "--max_restart", "2");
        _c.Ok("add", "service:db", "--state", "stopped", "--node", "node1", "--comment", "the database");
        _c.Ok("set", "ocf:web", "--failback", "off", "--delete", "max_restart");

        Assert.That(_c.Resources, Is.EqualTo(
            "ocf: web\n\tagent hamanager:demo-service\n\tfailback 0\n\tparams name=web\n\n" +
            "service: db\n\tcomment the database\n\tstate stopped\n\n"));
        var config = _c.Run("config");
        Assert.That(config.Out, Is.EqualTo(
            "ocf:web\n\tagent hamanager:demo-service\n\tfailback 0\n\tparams name=web\n\n" +
            "service:db\n\tcomment the database\n\tstate stopped\n\n"));
        Assert.That(_c.Run("config", "--type", "service").Out, Is.EqualTo("service:db\n\tcomment the database\n\tstate stopped\n\n"));

        using var json = JsonDocument.Parse(_c.Run("config", "--output-format", "json").Out);
        Assert.That(json.RootElement.GetArrayLength(), Is.EqualTo(2));
        Assert.That(json.RootElement[0].GetProperty("sid").GetString(), Is.EqualTo("ocf:web"));
        Assert.That(json.RootElement[0].GetProperty("failback").GetString(), Is.EqualTo("0"));
        Assert.That(_c.Run("config", "--output-format", "yaml").Out, Does.StartWith(
            "- sid: ocf:web\n  type: ocf\n  agent: hamanager:demo-service\n  failback: 0\n  params: name=web\n- sid: service:db\n"));
    }

    [Test]
    public void Remove_drops_the_resource_and_purges_it_from_rules()
    {
        _c.Ok("add", "ocf:a", "--agent", "hamanager:demo-service", "--node", "node1");
        _c.Ok("add", "ocf:b", "--agent", "hamanager:demo-service", "--node", "node1");
        File.WriteAllText(_c.Layout.Rules, "resource-affinity: keep\n\tresources ocf:a,ocf:b\n\taffinity positive\n\n"
            + "node-affinity: only-a\n\tresources ocf:a\n\tnodes node1\n");
        _c.Ok("remove", "ocf:a");
        Assert.That(_c.Resources, Does.Not.Contain("ocf: a"));
        Assert.That(_c.Resources, Does.Contain("ocf: b"));
        string rules = File.ReadAllText(_c.Layout.Rules);
        Assert.That(rules, Does.Contain("resources ocf:b"));
        Assert.That(rules, Does.Not.Contain("only-a"), "a rule left without resources goes");
    }

    [Test]
    public void Crm_commands_are_queued_in_upstreams_words()
    {
        _c.Ok("add", "ocf:web", "--agent", "hamanager:demo-service", "--node", "node1");
        _c.Ok("migrate", "ocf:web", "node2");
        _c.Ok("crm-command", "relocate", "ocf:web", "node3");
        _c.Ok("crm-command", "stop", "ocf:web", "0");
        _c.Ok("crm-command", "node-maintenance", "enable", "node2");
        _c.Ok("crm-command", "node-maintenance", "disable", "node2");
        _c.Ok("crm-command", "disarm-ha", "freeze");
        _c.Ok("crm-command", "arm-ha");
        Assert.That(_c.CrmCommands, Is.EqualTo(
            "migrate ocf:web node2\nrelocate ocf:web node3\nstop ocf:web 0\nenable-node-maintenance node2\n" +
            "disable-node-maintenance node2\ndisarm-ha freeze\narm-ha\n"));
    }

    [Test]
    public void Commands_and_options_take_upstreams_abbreviations_and_forms()
    {
        _c.Ok("ad", "ocf:web", "-agent", "hamanager:demo-service", "-node", "node1", "--failback", "no");
        _c.Ok("crm", "node-m", "en", "node2");
        _c.Ok("mig", "ocf:web", "node3");
        Assert.That(_c.Resources, Does.Contain("\tfailback 0\n"));
        Assert.That(_c.CrmCommands, Is.EqualTo("enable-node-maintenance node2\nmigrate ocf:web node3\n"));
        Assert.That(_c.Run("conf").Out, Does.StartWith("ocf:web\n"));
    }

    private static readonly object[] Refusals =
    [
        new object[] { new[] { "frobnicate" }, "ERROR: unknown command 'ha-manager frobnicate'" },
        new object[] { new[] { "re", "ocf:web", "node2" }, "ERROR: unknown command 'ha-manager re'" },
        new object[] { new[] { "crm-command" }, "ERROR: incomplete command 'ha-manager crm-command'" },
        new object[] { new[] { "add", "ocf:new", "--colour", "red" }, "Unknown option: colour" },
        new object[] { new[] { "add" }, "400 not enough arguments" },
        new object[] { new[] { "add", "web" }, "400 Parameter verification failed." },
        new object[] { new[] { "add", "ocf:web", "--agent", "hamanager:demo-service", "--node", "node1" }, "create resource failed: resource ID 'ocf:web' already defined" },
        new object[] { new[] { "add", "ocf:new", "--agent", "x:y", "--node", "node9" }, "no such cluster node 'node9'" },
        new object[] { new[] { "add", "ocf:new", "--agent", "x:y", "--node", "node1", "--state", "sideways" }, "400 Parameter verification failed." },
        new object[] { new[] { "add", "ocf:new", "--agent", "x:y", "--node", "node1", "--max_restart", "many" }, "400 Parameter verification failed." },
        new object[] { new[] { "add", "vm:100" }, "resource 'vm:100' does not exist in cluster" },
        new object[] { new[] { "set", "ocf:nope", "--state", "stopped" }, "update resources config failed: no such resource 'ocf:nope'" },
        new object[] { new[] { "set", "ocf:web", "--delete", "colour" }, "update resources config failed: no such option 'colour'" },
        new object[] { new[] { "set", "ocf:web", "--state", "stopped", "--digest", "0000" }, "update resources config failed: detected modified configuration - file changed by other user? Try again." },
        new object[] { new[] { "remove", "ocf:nope" }, "cannot delete service 'ocf:nope', not HA managed!" },
        new object[] { new[] { "migrate", "ocf:nope", "node2" }, "resource 'ocf:nope' is not HA managed" },
        new object[] { new[] { "migrate", "ocf:web" }, "400 not enough arguments" },
        new object[] { new[] { "migrate", "ocf:web", "node2", "node3" }, "400 too many arguments" },
        new object[] { new[] { "crm-command", "stop", "ocf:web", "soon" }, "400 Parameter verification failed." },
        new object[] { new[] { "crm-command", "disarm-ha", "sleep" }, "400 Parameter verification failed." },
        new object[] { new[] { "crm-command", "node-maintenance", "enable", "node9" }, "no such cluster node 'node9'" },
        new object[] { new[] { "status", "--output-format", "xml" }, "400 Parameter verification failed." },
        new object[] { new[] { "123" }, "ERROR: unknown command 'ha-manager 123'" },
        new object[] { new[] { "crm-command", "frob" }, "ERROR: unknown command 'ha-manager crm-command frob'" },
        new object[] { new[] { "crm-command", "node-maintenance", "sideways", "node1" }, "ERROR: unknown command 'ha-manager crm-command node-maintenance sideways'" },
        new object[] { new[] { "set", "ocf:web", "--failback", "maybe" }, "400 Parameter verification failed." },
        new object[] { new[] { "set", "ocf:web", "--max_relocate", "-1" }, "400 Parameter verification failed." },
        new object[] { new[] { "add", "ocf:a:b", "--agent", "x:y", "--node", "node1" }, "unknown section type 'ocf:a'" }, // upstream splits greedily
        new object[] { new[] { "migrate", "ocf:web", "no:de" }, "400 Parameter verification failed." },
        new object[] { new[] { "add", "ocf:new", "--type", "vm", "--agent", "x:y", "--node", "node1" }, "types does not match" },
    ];

    [TestCaseSource(nameof(Refusals))]
    public void A_refusal_is_one_clear_message_exit_255_and_the_store_untouched(string[] args, string firstLine)
    {
        _c.Ok("add", "ocf:web", "--agent", "hamanager:demo-service", "--node", "node1");
        var before = _c.Snapshot();
        var r = _c.Run(args);
        Assert.That(r.Exit, Is.EqualTo(255), r.Err);
        Assert.That(r.Err.Split('\n')[0], Is.EqualTo(firstLine), r.Err);
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(r.Out, Is.Empty);
        Assert.That(_c.Snapshot(), Is.EqualTo(before), "the store is byte for byte unchanged");
    }

    [Test]
    public void A_missing_store_is_named_and_never_created()
    {
        string missing = Path.Combine(_c.Root, "no-such-store");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int exit = HaManagerCli.Run(["config", "--store", "directory:" + missing], stdout, stderr);
        Assert.That(exit, Is.EqualTo(255));
        Assert.That(stderr.ToString(), Does.StartWith($"no HaManager store at '{missing}'"));
        Assert.That(Directory.Exists(missing), Is.False);
    }

    [Test]
    public void Without_quorum_add_is_refused()
    {
        File.WriteAllText(_c.Layout.Members, new HaManager.Store.Directory.Members("test", false,
            new SortedDictionary<string, bool>(StringComparer.Ordinal) { ["node1"] = true }).ToJson("node1"));
        var r = _c.Run("add", "ocf:web", "--agent", "x:y", "--node", "node1");
        Assert.That((r.Exit, r.Err), Is.EqualTo((255, "cluster not ready - no quorum?\n")));
    }
}
