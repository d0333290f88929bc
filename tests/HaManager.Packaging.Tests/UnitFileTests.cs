namespace HaManager.Packaging.Tests;

/// <summary>
/// Goal: the units are what systemd accepts without a single warning, with upstream's ordering and kill
/// semantics. Method: <c>systemd-analyze verify</c> in a scratch root holding the units, stand-ins for
/// their executables and a copy of the host's unit directory (so targets resolve); any stderr fails —
/// a unit with an unknown key proves the check can fail.
/// </summary>
public class UnitFileTests
{
    private static readonly string Units = Path.Combine(Repo.Root, "contrib", "systemd");

    private static Repo.Result Verify(params (string Name, string Text)[] units)
    {
        Prerequisites.Require("systemd", "/usr/bin/systemd-analyze");
        string root = Directory.CreateTempSubdirectory("hamanager-units-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "usr", "sbin"));
            Directory.CreateDirectory(Path.Combine(root, "usr", "bin"));
            foreach (var exe in new[] { "sbin/ha-crm", "sbin/ha-lrm", "sbin/watchdog-mux", "sbin/ha-cluster", "bin/etcd" })
            {
                string path = Path.Combine(root, "usr", exe);
                File.WriteAllText(path, "#!/bin/sh\n");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            Directory.CreateDirectory(Path.Combine(root, "usr", "lib", "systemd"));
            Assert.That(Repo.Run("cp", ["-a", "/usr/lib/systemd/system", Path.Combine(root, "usr", "lib", "systemd") + "/"]).Exit, Is.Zero);
            string etc = Path.Combine(root, "etc", "systemd", "system");
            Directory.CreateDirectory(etc);
            foreach (var (name, text) in units) File.WriteAllText(Path.Combine(etc, name), text);
            return Repo.Run("systemd-analyze", ["verify", "--man=no", $"--root={root}", .. units.Select(u => "/etc/systemd/system/" + u.Name)]);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static (string, string) Unit(string name) => (name, File.ReadAllText(Path.Combine(Units, name)));

    [Test]
    public void Every_unit_verifies_without_a_word()
    {
        var r = Verify(Unit("ha-crm.service"), Unit("ha-lrm.service"), Unit("watchdog-mux.service"), Unit("ha-etcd.service"), Unit("ha-cluster.service"));
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Is.Empty);
    }

    [Test]
    public void A_unit_with_a_mistake_is_caught()
    {
        var (name, text) = Unit("ha-crm.service");
        var r = Verify((name, text.Replace("TimeoutStopSec=65", "TimeoutStopSec=65\nKillMod=process")));
        Assert.That(r.Err, Does.Contain("Unknown key 'KillMod'"));
    }

    [Test]
    public void The_units_keep_upstreams_order_and_kill_semantics()
    {
        string crm = File.ReadAllText(Path.Combine(Units, "ha-crm.service"));
        string lrm = File.ReadAllText(Path.Combine(Units, "ha-lrm.service"));
        string mux = File.ReadAllText(Path.Combine(Units, "watchdog-mux.service"));
        Assert.That(lrm, Does.Match(@"(?m)^After=.*\bha-crm\.service\b"), "the LRM stops before the CRM, which can still acknowledge it");
        Assert.That(lrm, Does.Match(@"(?m)^KillMode=process$"), "its services are not killed with it");
        Assert.That(lrm, Does.Match(@"(?m)^TimeoutStopSec=infinity$"));
        Assert.That(crm, Does.Match(@"(?m)^TimeoutStopSec=65$"));
        foreach (var unit in new[] { crm, lrm })
        {
            Assert.That(unit, Does.Match(@"(?m)^Type=notify$"));
            Assert.That(unit, Does.Match(@"(?m)^Wants=.*\bwatchdog-mux\.service\b"));
            Assert.That(unit, Does.Match(@"(?m)^After=.*\bwatchdog-mux\.service\b"));
        }
        Assert.That(mux, Does.Not.Match(@"(?m)^\[Install\]"), "static: pulled in by the daemons");
        Assert.That(mux, Does.Match(@"(?m)^Restart=no$"));
        Assert.That(mux, Does.Match(@"(?m)^OOMScoreAdjust=-1000$"));
    }
}
