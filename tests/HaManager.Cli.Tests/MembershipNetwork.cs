using System.Diagnostics;
using HaManager.TestSupport;

namespace HaManager.Cli.Tests;

/// <summary>
/// Three machines for <c>ha-cluster</c>: network namespaces <c>hacm-n1..3</c> (10.232.0.1–3) on a bridge this
/// fixture makes, with no address of the host on it — cluster traffic stays between the namespaces. Each node
/// keeps its files under its own <c>HAMANAGER_ROOT</c>; its etcd member and <c>ha-cluster serve</c> run as the
/// tool starts them without systemd (detached, with pid files), and <see cref="Reset"/> stops them and wipes
/// the roots so every test forms its cluster from nothing.
/// </summary>
public sealed class MembershipNetwork : IDisposable
{
    private const string Bridge = "hacm0";
    public const int Nodes = 3;
    private readonly string _root = Path.Combine("/tmp", "hamanager-membership-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The tool as the package installs it: the ha-manager executable under the name ha-cluster.</summary>
    public static string Tool { get; } = Path.Combine(AppContext.BaseDirectory.Replace("/tests/HaManager.Cli.Tests/", "/src/HaManager.Cli/", StringComparison.Ordinal), "ha-cluster");
    public static string HaManager => Path.Combine(Path.GetDirectoryName(Tool)!, "ha-manager");

    public static string Address(int node) => $"10.232.0.{node}";
    public string Root(int node) => Path.Combine(_root, $"n{node}");
    public string Pki(int node) => Path.Combine(Root(node), "etc/hamanager/pki");

    public MembershipNetwork()
    {
        RemoveLeftovers();
        Sh($"ip link add {Bridge} type bridge && ip link set {Bridge} up");
        for (int n = 1; n <= Nodes; n++)
            Sh($"ip netns add hacm-n{n} && ip link add hacm-v{n} type veth peer name eth0 netns hacm-n{n} && ip link set hacm-v{n} master {Bridge} up"
               + $" && ip -n hacm-n{n} addr add {Address(n)}/24 dev eth0 && ip -n hacm-n{n} link set eth0 up && ip -n hacm-n{n} link set lo up");
        Reset();
    }

    /// <summary>Runs a command in node <paramref name="node"/>'s namespace with its root.</summary>
    public Result In(int node, string file, params string[] args)
    {
        var all = new List<string> { "netns", "exec", $"hacm-n{node}", "env", $"HAMANAGER_ROOT={Root(node)}",
            $"HAMANAGER_CONFIG={Root(node)}/etc/hamanager/hamanager.yaml" };
        all.Add(file);
        all.AddRange(args);
        return Run("ip", all);
    }

    /// <summary><c>ha-cluster</c> on node <paramref name="node"/>.</summary>
    public Result Cluster(int node, params string[] args) => In(node, Tool, args);

    /// <summary>Creates cluster <paramref name="name"/> on node 1 and returns its fingerprint and join token.</summary>
    public (string Fingerprint, string Token) Create(string name = "demo")
    {
        var created = Cluster(1, "create", name, "--node", "n1", "--address", Address(1), "--output-format", "json").Ok();
        using var json = System.Text.Json.JsonDocument.Parse(created.Stdout);
        return (json.RootElement.GetProperty("fingerprint").GetString()!, json.RootElement.GetProperty("token").GetString()!);
    }

    /// <summary>Node <paramref name="node"/> joins through <paramref name="via"/> (or adds itself as witness).</summary>
    public Result Join(int node, int via, (string Fingerprint, string Token) cluster, string? name = null, bool witness = false) =>
        Cluster(node, witness ? "add-witness" : "join", Address(via), "--fingerprint", cluster.Fingerprint, "--token", cluster.Token,
            "--node", name ?? $"n{node}", "--address", Address(node));

    /// <summary>Kills node <paramref name="node"/>'s etcd member (as a crash would).</summary>
    public void KillEtcd(int node)
    {
        string pidFile = Path.Combine(Root(node), "run/hamanager/etcd.pid");
        Sh($"kill -9 $(cat {pidFile})");
    }

    /// <summary>Stops every node's processes and wipes the roots.</summary>
    public void Reset()
    {
        foreach (var pidFile in Directory.Exists(_root) ? Directory.EnumerateFiles(_root, "*.pid", SearchOption.AllDirectories) : [])
            Run("sh", ["-c", $"kill -9 $(cat {pidFile}) 2>/dev/null; true"]);
        KillUnder(_root);
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        for (int n = 1; n <= Nodes; n++) Directory.CreateDirectory(Root(n));
    }

    /// <summary>Processes whose command line or environment names a membership root (ours, or a crashed run's).</summary>
    private static void KillUnder(string prefix)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                string cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                string env = File.ReadAllText(Path.Combine(dir, "environ")).Replace('\0', ' ');
                if (cmd.Contains(prefix, StringComparison.Ordinal) || env.Contains("HAMANAGER_ROOT=" + prefix, StringComparison.Ordinal))
                    Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException) { }
        }
    }

    private static void RemoveLeftovers()
    {
        KillUnder("/tmp/hamanager-membership-");
        Run("sh", ["-c", $"for n in 1 2 3; do ip netns del hacm-n$n 2>/dev/null; ip link del hacm-v$n 2>/dev/null; done; ip link del {Bridge} 2>/dev/null; "
            + "rm -rf /tmp/hamanager-membership-*; true"]);
    }

    public void Dispose()
    {
        Reset();
        Directory.Delete(_root, recursive: true);
        RemoveLeftovers();
    }

    private static void Sh(string script) => Run("sh", ["-c", script]).Ok();

    public sealed record Result(int Code, string Stdout, string Stderr, string Command)
    {
        public Result Ok()
        {
            Assert.That(Code, Is.EqualTo(0), $"{Command} failed ({Code}):\n{Stdout}\n{Stderr}");
            return this;
        }
    }

    public static Result Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within 120 s");
        }
        return new Result(p.ExitCode, stdout, stderr.Result, file + " " + string.Join(' ', psi.ArgumentList));
    }
}
