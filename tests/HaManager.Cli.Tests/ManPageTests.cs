namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: the manuals never drift from the parsers. Method: <c>docs/ha-manager.1</c> and <c>docs/ha-cluster.1</c> must
/// equal what <c>__man</c> draws from the command definitions; HAMANAGER_UPDATE_DOCS=1 rewrites it.
/// </summary>
public class ManPageTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    [Test]
    public void The_committed_man_page_is_the_one_the_commands_draw()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.That(HaManagerCli.Run(["__man"], stdout, stderr), Is.Zero, stderr.ToString());
        string drawn = stdout.ToString();
        foreach (var command in new[] { "ha-manager add <sid>", "ha-manager rules add <type> <rule>", "ha-manager crm\\-command node\\-maintenance enable <node>", "ha-manager explain <sid>" })
            Assert.That(drawn, Does.Contain($".SS \"{command.Replace("ha-manager", "ha\\-manager")}\""));

        SameAsCommitted("ha-manager.1", drawn);
    }

    [Test]
    public void The_committed_ha_cluster_man_page_is_the_one_its_commands_draw()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.That(Cluster.ClusterCli.Run(["__man"], stdout, stderr), Is.Zero, stderr.ToString());
        string drawn = stdout.ToString();
        foreach (var command in new[] { "create <name>", "join <address>", "add\\-witness <address>", "delnode <node>", "nodes", "status", "leave" })
            Assert.That(drawn, Does.Contain($".SS \"ha\\-cluster {command}\""));
        Assert.That(drawn, Does.Contain(".B \\-\\-fingerprint"));
        SameAsCommitted("ha-cluster.1", drawn);
    }

    private static void SameAsCommitted(string name, string drawn)
    {
        string path = Path.Combine(RepoRoot(), "docs", name);
        if (Environment.GetEnvironmentVariable("HAMANAGER_UPDATE_DOCS") == "1") File.WriteAllText(path, drawn);
        Assert.That(File.Exists(path), Is.True, $"{path} is missing; run with HAMANAGER_UPDATE_DOCS=1");
        Assert.That(File.ReadAllText(path), Is.EqualTo(drawn), $"docs/{name} is stale; run with HAMANAGER_UPDATE_DOCS=1");
    }
}
