namespace HaManager.Packaging.Tests;

/// <summary>
/// Goal: <c>dpkg-buildpackage -us -uc -b</c> builds the package from this tree, lintian finds no error,
/// and what it installs runs on a machine without .NET: the bundled runtime, the native watchdog-mux,
/// the units, man pages, completion and default configuration in their Debian places. Method: the real
/// build (niced, so the timing-sensitive tests running beside it keep their CPU) on a copy of the tree,
/// lintian, and the package unpacked with <c>dpkg -x</c> and run with no <c>dotnet</c> reachable.
/// </summary>
[NonParallelizable]
public class DebianPackageTests
{
    private static string _work = null!;
    private static string _deb = null!;
    private static Repo.Result _build = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _deb = PackageBuild.Deb;
        _work = PackageBuild.Work;
        _build = PackageBuild.Result;
    }

    [Test]
    public void The_package_builds_and_lintian_finds_no_error()
    {
        Assert.That(_build.Exit, Is.Zero, _build.Out[^Math.Min(_build.Out.Length, 3000)..] + _build.Err[^Math.Min(_build.Err.Length, 3000)..]);
        Assert.That(_deb, Is.Not.Empty, "a .deb was written");
        var lintian = Repo.Run("lintian", [_deb], timeout: TimeSpan.FromMinutes(3));
        var errors = lintian.Out.Split('\n').Where(l => l.StartsWith("E:", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, lintian.Out);
        TestContext.Out.WriteLine($"{Path.GetFileName(_deb)}: {new FileInfo(_deb).Length / 1048576.0:0.0} MiB; lintian: "
            + string.Join("; ", lintian.Out.Split('\n').Where(l => l.Length > 0).Select(l => l.Split(" [")[0]).Distinct()));
    }

    [Test]
    public void It_holds_the_programs_units_and_documentation_in_their_debian_places()
    {
        Assert.That(_deb, Is.Not.Empty, "the package was built");
        var contents = Repo.Run("dpkg", ["-c", _deb]).Out;
        foreach (var path in new[]
        {
            "./usr/sbin/ha-crm", "./usr/sbin/ha-lrm", "./usr/sbin/watchdog-mux", "./usr/sbin/ha-manager -> ../lib/hamanager/ha-manager",
            "./usr/sbin/ha-cluster -> ../lib/hamanager/ha-cluster", "./usr/lib/hamanager/ha-cluster",
            "./lib/systemd/system/ha-etcd.service", "./lib/systemd/system/ha-cluster.service", "./usr/share/man/man1/ha-cluster.1.gz",
            "./usr/share/bash-completion/completions/ha-cluster",
            "./lib/systemd/system/ha-crm.service", "./lib/systemd/system/ha-lrm.service", "./lib/systemd/system/watchdog-mux.service",
            "./usr/share/man/man1/ha-manager.1.gz", "./usr/share/man/man8/ha-crm.8.gz", "./usr/share/man/man8/watchdog-mux.8.gz",
            "./usr/share/bash-completion/completions/ha-manager", "./etc/hamanager/hamanager.yaml", "./etc/default/hamanager",
            "./usr/lib/hamanager/HaManager.Daemon", "./usr/lib/hamanager/libcoreclr.so",
        })
            Assert.That(contents, Does.Contain(path + (path.Contains(" -> ") ? "" : "\n")).Or.Contain(path + " "), path);
        var control = Repo.Run("dpkg", ["-I", _deb]).Out;
        Assert.That(control, Does.Contain("Conflicts: watchdog"), "one opener of /dev/watchdog");
        string postinst = Repo.Run("dpkg-deb", ["-I", _deb, "postinst"]).Out;
        Assert.That(postinst, Does.Not.Contain("watchdog-mux"), "neither install nor upgrade starts, stops or restarts watchdog-mux");
        int lrm = postinst.IndexOf("deb-systemd-invoke $_dh_action 'ha-lrm.service'", StringComparison.Ordinal);
        int crm = postinst.IndexOf("deb-systemd-invoke $_dh_action 'ha-crm.service'", StringComparison.Ordinal);
        Assert.That(lrm, Is.GreaterThanOrEqualTo(0).And.LessThan(crm), "an upgrade restarts the LRM before the CRM\n" + postinst);
        string prerm = Repo.Run("dpkg-deb", ["-I", _deb, "prerm"]).Out;
        Assert.That(prerm.IndexOf("deb-systemd-invoke stop ha-lrm.service ha-crm.service", StringComparison.Ordinal),
            Is.GreaterThanOrEqualTo(0).And.LessThan(prerm.IndexOf("deb-systemd-invoke stop 'ha-crm.service'", StringComparison.Ordinal)),
            "removal stops both in one transaction, so systemd stops the LRM first\n" + prerm);
    }

    [Test]
    public void The_unpacked_programs_run_without_a_system_dotnet()
    {
        Assert.That(_deb, Is.Not.Empty, "the package was built");
        string root = Path.Combine(_work, "root");
        Assert.That(Repo.Run("dpkg", ["-x", _deb, root]).Exit, Is.Zero);
        var noDotnet = new Dictionary<string, string?> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin", ["DOTNET_ROOT"] = "/nonexistent" };
        var cli = Repo.Run(Path.Combine(root, "usr", "sbin", "ha-manager"), ["help"], environment: noDotnet);
        Assert.That(cli.Exit, Is.Zero, cli.Err);
        Assert.That(cli.Out, Does.Contain("what-if"));
        // The same executable, started as ha-cluster (the link in /usr/sbin, the hard link beside ha-manager), is the cluster tool.
        var cluster = Repo.Run(Path.Combine(root, "usr", "sbin", "ha-cluster"), ["status"],
            environment: new Dictionary<string, string?>(noDotnet) { ["HAMANAGER_ROOT"] = _work });
        Assert.That((cluster.Exit, cluster.Err), Is.EqualTo((255, $"this node is in no cluster ({_work}/etc/hamanager/cluster.yaml is missing): ha-cluster create NAME, or ha-cluster join ADDRESS\n")));
        // Native AOT: one executable, no assemblies of its own next to the daemon's runtime.
        Assert.That(File.Exists(Path.Combine(root, "usr", "lib", "hamanager", "HaManager.Cli.dll")), Is.False);
        Assert.That(new FileInfo(Path.Combine(root, "usr", "lib", "hamanager", "ha-manager")).Length, Is.LessThan(40L << 20));
        string store = Path.Combine(_work, "store");
        Directory.CreateDirectory(Path.Combine(store, "ha"));
        File.WriteAllText(Path.Combine(store, ".members"),
            """{"cluster":{"name":"t","quorate":1},"nodelist":{"node1":{"online":1,"id":1}}}""");
        var withStore = new Dictionary<string, string?>(noDotnet) { ["HAMANAGER_NODE"] = "node1", ["HAMANAGER_STORE"] = "directory:" + store };
        string ha = Path.Combine(root, "usr", "sbin", "ha-manager");
        var add = Repo.Run(ha, ["add", "ocf:web", "--agent", "hamanager:demo-service"], environment: withStore);
        Assert.That(add.Exit, Is.Zero, add.Err);
        var yaml = Repo.Run(ha, ["config", "--output-format", "yaml"], environment: withStore);
        Assert.That(yaml.Out, Is.EqualTo("- sid: ocf:web\n  type: ocf\n  agent: hamanager:demo-service\n"), yaml.Err);
        var whatIf = Repo.Run(ha, ["what-if", "--fail", "node1"], environment: withStore);
        Assert.That(whatIf.Out, Does.StartWith("If fail node1 (simulated, nothing was changed):"), whatIf.Err);
        var daemon = Repo.Run(Path.Combine(root, "usr", "lib", "hamanager", "HaManager.Daemon"), ["crm", "--help"], environment: noDotnet);
        Assert.That(daemon.Exit, Is.Zero, daemon.Err);
        var mux = Repo.Run(Path.Combine(root, "usr", "sbin", "watchdog-mux"), ["--help"], environment: noDotnet);
        Assert.That(mux.Out + mux.Err, Does.Contain("usage: watchdog-mux"));
        Assert.That(File.ReadAllText(Path.Combine(root, "usr", "sbin", "ha-lrm")), Does.Contain("/usr/lib/hamanager/HaManager.Daemon lrm"));
    }
}
