using System.Globalization;
using System.Text.Json;

namespace HaManager.Packaging.Tests;

/// <summary>
/// Goal: the package as Debian administrators run it — three nodes with real systemd and journald, our .deb
/// installed in each, the units started by its maintainer scripts, formed with ha-cluster into one etcd cluster
/// of a member per node — survives a crash and a cut link without ever running a service twice, logs structured
/// fields to the journal, and is upgraded on a running node without a reset or a service restart. Method: <see cref="ContainerCluster"/>; the cases run in
/// order on one cluster (each builds on the one before, so they are one test) and end with
/// <c>cluster: N passed, M failed</c>.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ContainerClusterTests
{
    private static readonly string[] Services = ["web", "db", "cache"];
    private ContainerCluster? _cluster;
    private readonly List<string> _results = [];
    private readonly List<string> _timings = [];

    private ContainerCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster did not start");

    [OneTimeSetUp]
    public void StartCluster()
    {
        File.Delete(SummaryFile);
        Prerequisites.RequireRoot("the container cluster (network namespaces, systemd-nspawn)");
        Prerequisites.Require("systemd-container", "/usr/bin/systemd-nspawn");
        Prerequisites.Require("resource-agents", "/usr/lib/ocf/resource.d/heartbeat/anything");
        Prerequisites.Require("etcd-server", "/usr/bin/etcd");
        Assert.That(PackageBuild.Deb, Is.Not.Empty, "the package was built:\n" + PackageBuild.Result.Err[^Math.Min(PackageBuild.Result.Err.Length, 3000)..]);
        var started = DateTime.UtcNow;
        _cluster = ContainerCluster.Start(PackageBuild.Deb);
        _timings.Add($"boot and install 3 nodes: {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        started = DateTime.UtcNow;
        _cluster.Form();
        _timings.Add($"form the cluster (ha-cluster create, join ×2, HA daemons restarted on it): {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
    }

    [OneTimeTearDown]
    public void StopCluster()
    {
        _cluster?.Dispose();
        if (_results.Count == 0) return;
        var summary = _timings.Concat(_results).Select(l => $"cluster: {l}").Append(
            $"cluster: {_results.Count(r => r.StartsWith("PASS", StringComparison.Ordinal))} passed, "
            + $"{_results.Count(r => r.StartsWith("FAIL", StringComparison.Ordinal))} failed").ToList();
        foreach (var line in summary) TestContext.Progress.WriteLine(line);
        // dotnet test does not show a test's output at its default verbosity: .ci/run prints this file.
        File.WriteAllLines(SummaryFile, summary);
    }

    /// <summary>Where the last run's summary is kept (next to the test assembly).</summary>
    public static string SummaryFile => Path.Combine(AppContext.BaseDirectory, "cluster-summary.txt");

    /// <summary>Runs one case and records PASS or FAIL (with the cluster's events) for the summary.</summary>
    private void Case(string name, Action body)
    {
        try
        {
            body();
            _results.Add($"PASS {name}");
        }
        catch (Exception e)
        {
            _results.Add($"FAIL {name}: {e.Message.Trim()}");
            _failures.Add($"{name}: {e.GetType().Name}: {e.Message.Trim()}\n{Cluster.EventLog}");
        }
    }

    private readonly List<string> _failures = [];

    [Test]
    public void Crash_cut_journal_and_upgrade_on_three_containers()
    {
        Case("add three OCF anything services", AddServices);
        Case("ha-cluster nodes: members, HA roles", ClusterNodes);
        Case("crash node3", Crash);
        Case("cut node2, heal", CutAndHeal);
        Case("journal fields", JournalFields);
        Case("upgrade without reset or service restart", Upgrade);
        Case("never two copies", NeverTwoCopies);
        Assert.That(_failures, Is.Empty, string.Join("\n\n", _failures));
    }

    private ContainerCluster.Node Node(string name) => Cluster.Nodes.Single(n => n.Name == name);

    private ContainerCluster.Node AnyUp(params string[] except) => Cluster.Nodes.First(n => n.Init != 0 && !except.Contains(n.Name));

    private Repo.Result HaManager(params string[] args) => Cluster.Exec(AnyUp(), ["ha-manager", .. args]);

    private (string Node, long AtMs) WaitStarted(string service, Func<(string Node, long AtMs), bool> where, int seconds, string what) =>
        ContainerCluster.WaitFor(() => Cluster.LastStart(service) is { } s && where(s) ? s : ((string, long)?)null, TimeSpan.FromSeconds(seconds), what)!.Value;

    /// <summary>Waits until the node's LRM is back in the cluster (`ha-manager status`: active or idle).</summary>
    private void WaitOnline(string node) => ContainerCluster.WaitFor(() =>
    {
        var status = HaManager("status");
        return status.Exit == 0 && System.Text.RegularExpressions.Regex.IsMatch(status.Out, $@"lrm {node} \((active|idle)");
    }, TimeSpan.FromSeconds(90), $"{node} back online");

    private void AddServices()
    {
        var started = ContainerCluster.NowMs;
        for (int i = 0; i < Services.Length; i++)
        {
            string name = Services[i];
            var add = HaManager("add", $"ocf:{name}", "--agent", "heartbeat:anything", "--node", $"node{i + 1}",
                "--params", $"binfile=/srv/share/record-service,cmdline_options={name} /srv/records/{name}.log");
            Assert.That(add.Exit, Is.Zero, add.Out + add.Err);
        }
        for (int i = 0; i < Services.Length; i++)
            WaitStarted(Services[i], s => s.Node == $"node{i + 1}", 60, $"{Services[i]} started on node{i + 1}");
        _timings.Add($"three services added and started: {(ContainerCluster.NowMs - started) / 1000.0:0.0} s");
        var status = HaManager("status");
        foreach (var name in Services) Assert.That(status.Out, Does.Contain($"ocf:{name}"), status.Out);
    }

    /// <summary>What <c>ha-cluster nodes</c> shows of the running cluster: every node online and quorate, one
    /// master, every LRM active (each runs a service), uptime and memory published.</summary>
    private void ClusterNodes()
    {
        var nodes = Cluster.Exec(AnyUp(), "ha-cluster", "nodes", "--output-format", "json");
        Assert.That(nodes.Exit, Is.Zero, nodes.Err);
        var rows = JsonDocument.Parse(nodes.Out).RootElement.EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("node").GetString()), Is.EqualTo(new[] { "node1", "node2", "node3" }), nodes.Out);
        foreach (var r in rows)
        {
            Assert.That(r.GetProperty("online").GetBoolean() && r.GetProperty("quorate").GetBoolean(), Is.True, nodes.Out);
            Assert.That(r.GetProperty("role").GetString(), Does.Contain("lrm active"), nodes.Out);
            Assert.That(r.GetProperty("uptime").GetInt64(), Is.GreaterThan(0), nodes.Out);
        }
        Assert.That(rows.Count(r => r.GetProperty("role").GetString()!.StartsWith("master", StringComparison.Ordinal)), Is.EqualTo(1), nodes.Out);
        var text = Cluster.Exec(AnyUp(), "ha-cluster", "nodes").Out;
        _timings.Add("ha-cluster nodes: " + string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\s+", " "))));
    }

    private void Crash()
    {
        var node3 = Node("node3");
        Assert.That(Cluster.LastStart("cache")?.Node, Is.EqualTo("node3"));
        long crash = ContainerCluster.NowMs;
        Cluster.Kill(node3, "crash");
        var moved = WaitStarted("cache", s => s.Node != "node3", 120, "cache recovered on another node");
        double seconds = (moved.AtMs - crash) / 1000.0;
        _timings.Add($"crash → cache running on {moved.Node}: {seconds:0.0} s (time scale 5: client watchdog {Cluster.Timing.ClientRealSeconds} s, device {Cluster.Timing.DeviceRealSeconds} s)");
        // The master may take the lock only once the dead node could no longer have renewed it.
        Assert.That(moved.AtMs - crash, Is.GreaterThan(Cluster.Timing.DeviceRealSeconds * 1000L), "recovered before the node was certainly dead");
        var reboot = DateTime.UtcNow;
        Cluster.Boot(node3);
        WaitOnline("node3");
        _timings.Add($"node3 rebooted and back online: {(DateTime.UtcNow - reboot).TotalSeconds:0.0} s");
    }

    private void CutAndHeal()
    {
        var node2 = Node("node2");
        Assert.That(Cluster.LastStart("db")?.Node, Is.EqualTo("node2"));
        long cut = ContainerCluster.NowMs;
        Cluster.Link(node2, up: false);
        ContainerCluster.WaitFor(() => node2.Init == 0 && node2.DiedBecause == "watchdog", TimeSpan.FromSeconds(90), "node2 reset by its watchdog");
        long reset = node2.DiedAtMs;
        var moved = WaitStarted("db", s => s.Node != "node2", 120, "db recovered on another node");
        Assert.That(moved.Node, Is.AnyOf("node1", "node3"), "the record names a node (a rebooted node keeps its host name)");
        _timings.Add($"cut → node2 self-fenced: {(reset - cut) / 1000.0:0.0} s; → db running on {moved.Node}: {(moved.AtMs - cut) / 1000.0:0.0} s");
        Assert.That(moved.AtMs, Is.GreaterThan(reset), "db started elsewhere while the cut node could still run it");
        Assert.That(Cluster.Records().Any(r => r.Service == "db" && r.What == "stop" && r.Node == "node2"), Is.False,
            "the cut node kept its copy until the reset (no clean stop without quorum)");
        Cluster.Link(node2, up: true);
        var heal = DateTime.UtcNow;
        Cluster.Boot(node2);
        WaitOnline("node2");
        _timings.Add($"heal → node2 rebooted and back online: {(DateTime.UtcNow - heal).TotalSeconds:0.0} s");
    }

    private void JournalFields()
    {
        string node = Cluster.LastStart("web")!.Value.Node;
        var journal = Cluster.Exec(Node(node), "journalctl", "-u", "ha-lrm", "-o", "json", "--no-pager");
        Assert.That(journal.Exit, Is.Zero, journal.Err);
        var entries = journal.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        string? Field(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var ours = entries.Where(e => Field(e, "HA_DAEMON") == "lrm").ToList();
        Assert.That(ours, Is.Not.Empty, "entries from ha-lrm with HA_DAEMON");
        Assert.That(ours.All(e => Field(e, "HA_NODE") == node), Is.True, "HA_NODE on every entry");
        Assert.That(ours.Any(e => Field(e, "HA_SID") == "ocf:web" && Field(e, "MESSAGE")!.Contains("ocf:web", StringComparison.Ordinal)), Is.True,
            "an entry about ocf:web carries HA_SID");
        Assert.That(ours.Select(e => Field(e, "SYSLOG_IDENTIFIER")).Distinct(), Is.EqualTo(new[] { "ha-lrm" }));
    }

    private void Upgrade()
    {
        var node1 = Node("node1");
        var running = Cluster.Records().GroupBy(r => r.Service).Select(g => g.Last()).Where(r => r.What == "start" && r.Node == "node1").ToList();
        Assert.That(running, Is.Not.Empty, "node1 runs a service");
        int init = node1.Init;
        string MainPid(string unit) => Cluster.Exec(node1, "systemctl", "show", "-p", "MainPID", "--value", unit).Out.Trim();
        string mux = MainPid("watchdog-mux"), lrm = MainPid("ha-lrm"), crm = MainPid("ha-crm");
        string newer = NewerVersion();
        long before = ContainerCluster.NowMs;
        var upgrade = Cluster.Exec(node1, "dpkg", "-i", "--force-confold", "/srv/share/" + Path.GetFileName(newer));
        Assert.That(upgrade.Exit, Is.Zero, upgrade.Out + upgrade.Err);
        _timings.Add($"dpkg -i of a newer version on node1: {(ContainerCluster.NowMs - before) / 1000.0:0.0} s");
        // Long enough for a reset to happen if the upgrade broke the feeding: two client timeouts.
        Thread.Sleep(2 * Cluster.Timing.ClientRealSeconds * 1000);
        Assert.That(node1.Init, Is.EqualTo(init), "node1 was not reset");
        Assert.That(node1.Resets, Is.Zero);
        Assert.That(Cluster.Exec(node1, "dpkg-query", "-W", "-f", "${Version}", "hamanager").Out, Is.EqualTo("0.1.0+upgrade1"));
        Assert.That(MainPid("watchdog-mux"), Is.EqualTo(mux), "watchdog-mux is never restarted by an upgrade");
        Assert.That(MainPid("ha-lrm"), Is.Not.EqualTo(lrm), "the upgrade restarted ha-lrm");
        Assert.That(MainPid("ha-crm"), Is.Not.EqualTo(crm), "the upgrade restarted ha-crm");
        Assert.That(Cluster.Exec(node1, "systemctl", "is-active", "ha-lrm", "ha-crm").Exit, Is.Zero);
        var since = Cluster.Records().Where(r => r.AtMs >= before).ToList();
        Assert.That(since, Is.Empty, "no service stopped or started: " + string.Join("; ", since));
        WaitOnline("node1");
    }

    private void NeverTwoCopies()
    {
        Assert.That(Cluster.Records().Count(r => r.What == "start"), Is.GreaterThanOrEqualTo(5), "the cases started services");
        Assert.That(Cluster.Overlaps(), Is.Empty);
    }

    /// <summary>The package again with a higher version, as a rebuild with a new changelog entry would give.</summary>
    private string NewerVersion()
    {
        string work = Path.Combine(Cluster.ShareDir, "..", "repack");
        Directory.CreateDirectory(work);
        Assert.That(Repo.Run("dpkg-deb", ["-R", PackageBuild.Deb, Path.Combine(work, "tree")]).Exit, Is.Zero);
        string control = Path.Combine(work, "tree", "DEBIAN", "control");
        File.WriteAllText(control, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(control), @"(?m)^Version: .*$", "Version: 0.1.0+upgrade1"));
        string deb = Path.Combine(Cluster.ShareDir, "upgrade_0.1.0+upgrade1_amd64.deb");
        var build = Repo.Run("dpkg-deb", ["-Zgzip", "-z1", "-b", Path.Combine(work, "tree"), deb], timeout: TimeSpan.FromMinutes(3));
        Assert.That(build.Exit, Is.Zero, build.Err);
        Directory.Delete(work, recursive: true);
        return deb;
    }
}
