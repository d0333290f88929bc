namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: operators on several shells (or scripts) editing at once lose nothing: every edit lands, and of
/// two adds of the same resource exactly one wins. Method: separate ha-manager processes started together
/// on one store — the directory store (its config lock serialises their read-modify-write) and etcd
/// (compare-and-swap on the file's revision, retried).
/// </summary>
[TestFixture("directory")]
[TestFixture("etcd")]
public class ConcurrencyTests(string store)
{
    private static (int Exit, string Err) Wait(System.Diagnostics.Process p)
    {
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(60_000), Is.True, "ha-manager finished within a minute");
        return (p.ExitCode, err);
    }

    [Test]
    public void Concurrent_adds_from_separate_processes_all_land()
    {
        using var c = new CliFixture(store);
        // 100 ha-manager processes at once on the directory store; 50 on etcd, where each process also
        // starts a gRPC stack, so that the test stays well under a minute on two cores.
        int n = store == "etcd" ? 50 : 100;
        var procs = Enumerable.Range(0, n)
            .Select(i => c.StartProcess("add", $"ocf:s{i}", "--agent", "hamanager:demo-service", "--node", $"node{i % 3 + 1}"))
            .ToList();
        foreach (var p in procs)
        {
            var (exit, err) = Wait(p);
            Assert.That(exit, Is.Zero, err);
        }
        var config = c.Run("config").Out;
        for (int i = 0; i < n; i++) Assert.That(config, Does.Contain($"ocf:s{i}\n"), config);
        Assert.That(c.Resources.Split('\n').Count(l => l.StartsWith("ocf: ", StringComparison.Ordinal)), Is.EqualTo(n));
    }

    [Test]
    public void Of_concurrent_adds_of_one_resource_exactly_one_wins()
    {
        using var c = new CliFixture(store);
        var procs = Enumerable.Range(0, 4)
            .Select(i => c.StartProcess("add", "ocf:web", "--agent", "hamanager:demo-service", "--node", "node1", "--comment", $"writer{i}"))
            .ToList();
        var results = procs.Select(Wait).ToList();
        Assert.That(results.Count(r => r.Exit == 0), Is.EqualTo(1), string.Join("\n", results.Select(r => r.Err)));
        Assert.That(results.Where(r => r.Exit != 0).Select(r => r.Err),
            Has.All.EqualTo("create resource failed: resource ID 'ocf:web' already defined\n"));
        Assert.That(c.Resources.Split("ocf: web").Length - 1, Is.EqualTo(1));
    }

    [Test]
    public void Concurrent_sets_of_different_options_keep_each_other()
    {
        using var c = new CliFixture(store);
        Assert.That(c.Run("add", "ocf:web", "--agent", "hamanager:demo-service", "--node", "node1").Exit, Is.Zero);
        var procs = new[]
        {
            c.StartProcess("set", "ocf:web", "--comment", "busy"),
            c.StartProcess("set", "ocf:web", "--max_restart", "3"),
            c.StartProcess("set", "ocf:web", "--max_relocate", "2"),
            c.StartProcess("set", "ocf:web", "--failback", "0"),
        };
        foreach (var p in procs) Assert.That(Wait(p).Exit, Is.Zero);
        Assert.That(c.Run("config").Out, Is.EqualTo(
            "ocf:web\n\tagent hamanager:demo-service\n\tcomment busy\n\tfailback 0\n\tmax_relocate 2\n\tmax_restart 3\n\n"));
    }
}
