using System.Diagnostics;
using HaManager.Core.Crm;
using HaManager.Core.Lrm;
using HaManager.Core.Model;

namespace HaManager.Core.Tests;

/// <summary>
/// Goal: the state diagrams in docs/state-machines/ are drawn from the machines that run, so they can
/// never drift. Method: generate each DOT graph from the code (Stateless for the CRM and LRM, the
/// transition tables for services and nodes) and compare it with the committed file. Set
/// HAMANAGER_UPDATE_DOCS=1 to rewrite the files (and render SVGs where Graphviz is installed).
/// </summary>
public class StateDiagramTests
{
    public static IEnumerable<TestCaseData> Machines()
    {
        yield return new TestCaseData("crm", (Func<string>)(() => new CrmMachine(new FakeEnvironment().Node).StateDiagram()));
        yield return new TestCaseData("lrm", (Func<string>)(() => new LrmMachine(new FakeEnvironment().Node, new LrmStartupGate()).StateDiagram()));
        yield return new TestCaseData("service", (Func<string>)ServiceTransitions.ToDotGraph);
        yield return new TestCaseData("node", (Func<string>)NodeTransitions.ToDotGraph);
    }

    [TestCaseSource(nameof(Machines))]
    public void The_committed_diagram_is_the_one_the_code_draws(string name, Func<string> draw)
    {
        string dot = draw();
        string dir = Path.Combine(RepoRoot(), "docs", "state-machines");
        string path = Path.Combine(dir, name + ".dot");
        if (System.Environment.GetEnvironmentVariable("HAMANAGER_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, dot);
            Render(path, Path.Combine(dir, name + ".svg"));
            Assert.Pass("diagram rewritten");
        }
        Assert.That(File.Exists(path), Is.True, $"{path} is missing; run with HAMANAGER_UPDATE_DOCS=1");
        Assert.That(File.ReadAllText(path), Is.EqualTo(dot), $"{path} is stale; run with HAMANAGER_UPDATE_DOCS=1");
    }

    [Test]
    public void The_lrm_diagram_shows_every_state_and_round_row()
    {
        var lrm = new LrmMachine(new FakeEnvironment().Node, new LrmStartupGate());
        string dot = lrm.StateDiagram();
        foreach (var state in Enum.GetNames<LrmState>()) Assert.That(dot, Does.Contain(state));
        Assert.That(dot, Does.Contain("lock renewal failed"));
        Assert.That(dot, Does.Contain("DisarmReleased"));
    }

    private static void Render(string dotPath, string svgPath)
    {
        if (!File.Exists("/usr/bin/dot")) return;
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/dot", ["-Tsvg", dotPath, "-o", svgPath]) { UseShellExecute = false })!;
        p.WaitForExit();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
