using System.Diagnostics;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: a daemon with a bad node configuration refuses to start with a message naming the key, and a
/// bad line in resources.cfg costs only that line. Method: the real daemon executable.
/// </summary>
public class ConfigurationTests
{
    private static (int Code, string Err) Daemon(string role, string config)
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-conf-").FullName;
        string path = Path.Combine(dir, "hamanager.yaml");
        File.WriteAllText(path, config);
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "HaManager.Daemon"), [role, "--config", path])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(20_000), Is.True);
        Directory.Delete(dir, recursive: true);
        return (p.ExitCode, err);
    }

    [TestCase("node: node1\nstor: directory:/tmp/x\n", "line 2, column 1: unknown key 'stor'")]
    [TestCase("node:\n  - node1\n", "line 2, column 3: node: expected one value")]
    [TestCase("- node1\n", "line 1, column 1: expected 'key: value' lines")]
    [TestCase("node: node1\nstore: mysql:x\n", "store: 'mysql:x' is not directory:PATH or etcd:URL")]
    [TestCase("node: 'no de'\n", "node: 'no de' is not a node name")]
    [TestCase("node: node1\nprofile: turbo\n", "profile: 'turbo' is not default or fast")]
    [TestCase("node: node1\ntime_scale: 0\n", "time_scale: '0' is not a number from 1 to 1000")]
    [TestCase("node: node1\nwatchdog_client_timeout: 2\nwatchdog_device_timeout: 1\n", "unsafe timeouts")]
    [TestCase("node: [node1\n", "did not find expected ',' or ']'")]
    [TestCase("node: node1\nstore: etcd:https://127.0.0.1:1\netcd_ca: /etc/hamanager/pki/ca.crt\n", "etcd_ca, etcd_cert and etcd_key go together")]
    [TestCase("node: node1\nstore: etcd:https://127.0.0.1:1\netcd_ca: /nonexistent/ca.crt\netcd_cert: /nonexistent/node.crt\netcd_key: /nonexistent/node.key\n",
        "etcd_ca: /nonexistent/ca.crt: no such file")]
    public void A_bad_configuration_stops_the_daemon_with_the_key(string config, string expected)
    {
        var (code, err) = Daemon("lrm", config);
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain(expected));
        Assert.That(err, Does.Not.Contain("   at "));
    }

    [Test]
    public void A_bad_resources_line_costs_only_that_line()
    {
        using var c = new ClusterFixture(nodes: 2);
        string resources = Path.Combine(c.Layout.Store, "ha", "resources.cfg");
        c.AddService("good", "node1");
        File.AppendAllText(resources, "ocf: bad\n\tagent nonsense\n\n");
        c.WaitFor("the good service runs", () => c.Running().ContainsKey("good"), 30);
        c.WaitFor("the bad line is reported", () => File.ReadAllText(c.Layout.Log("node1", "ha-crm")).Contains("missing value for required option 'agent'")
            || File.ReadAllText(c.Layout.Log("node1", "ha-crm")).Contains("value does not look like an OCF agent"), 20);
        Assert.That(File.ReadAllText(resources), Does.Contain("ocf: bad"), "nothing is lost: the file is left as the user wrote it");
    }
}
