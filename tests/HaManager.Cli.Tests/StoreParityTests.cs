namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: ha-manager answers the same on etcd as on the directory store — same output, same errors, same
/// exit codes — so nothing an operator types depends on where the cluster keeps its data. Method: one
/// session of commands (edits, listings in every format, rules, groups, CRM commands, refusals) run on a
/// directory store and on a real etcd; every step's result must be identical.
/// </summary>
public class StoreParityTests
{
    private static readonly string[][] Session =
    [
        ["add", "ocf:web", "--agent", "hamanager:demo-service", "--params", "name=web", "--node", "node2", "--max_restart", "2"],
        ["add", "service:db", "--state", "stopped", "--node", "node1", "--comment", "the database"],
        ["add", "ocf:web", "--agent", "hamanager:demo-service", "--node", "node1"],
        ["add", "ocf:bad", "--agent", "hamanager:demo-service", "--max_restart", "many"],
        ["set", "ocf:web", "--failback", "off", "--delete", "max_restart"],
        ["set", "ocf:none", "--comment", "x"],
        ["config"],
        ["config", "--output-format", "json"],
        ["config", "--output-format", "yaml"],
        ["rules", "add", "node-affinity", "web-on-2", "--resources", "ocf:web", "--nodes", "node2:2,node3"],
        ["rules", "add", "resource-affinity", "apart", "--resources", "ocf:web,service:db", "--affinity", "negative"],
        ["rules", "config"],
        ["rules", "list", "--output-format", "json"],
        ["crm-command", "migrate", "ocf:web", "node3"],
        ["crm-command", "node-maintenance", "enable", "node2"],
        ["crm-command", "stop", "ocf:web", "0"],
        ["migrate", "ocf:nope", "node3"],
        ["status"],
        ["remove", "service:db"],
        ["rules", "config"],
        ["config"],
    ];

    [Test]
    public void A_session_of_commands_gives_identical_results_on_directory_and_etcd()
    {
        using var directory = new CliFixture("directory");
        using var etcd = new CliFixture("etcd");
        var results = new List<CliFixture.Result>();
        foreach (var args in Session)
        {
            var expected = directory.Run(args);
            var actual = etcd.Run(args);
            Assert.That(actual, Is.EqualTo(expected), $"ha-manager {string.Join(' ', args)}");
            results.Add(expected);
        }
        Assert.That(results.Count(r => r.Exit == 0), Is.GreaterThanOrEqualTo(15), "the session mostly succeeds");
        Assert.That(results.Count(r => r.Exit != 0), Is.EqualTo(5), "and has its five refusals");
        Assert.That(etcd.Resources, Is.EqualTo(directory.Resources));
        Assert.That(etcd.Resources, Does.Contain("ocf: web").And.Not.Contain("service: db"));
        string queued = directory.Store.ReadCrmCommands();
        Assert.That(queued, Is.EqualTo("migrate ocf:web node3\nenable-node-maintenance node2\nstop ocf:web 0\n"));
        Assert.That(etcd.Store.ReadCrmCommands(), Is.EqualTo(queued));
        Assert.That(etcd.Store.ReadCrmCommands(), Is.Empty, "reading took the queue");
    }
}
