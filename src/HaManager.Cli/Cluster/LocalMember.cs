using System.Diagnostics;
using System.Net;

namespace HaManager.Cli.Cluster;

/// <summary>
/// The node's own etcd member and join service: <c>etcd.yaml</c> (etcd's configuration file: mutual TLS on
/// client and peer traffic, pre-vote) and starting or stopping the two processes, through systemd or directly.
/// </summary>
public sealed class LocalMember(ClusterPaths paths, StartMode mode)
{
    /// <summary>Where Debian's etcd-server installs etcd.</summary>
    public const string EtcdBinary = "/usr/bin/etcd";

    /// <summary>Writes <c>etcd.yaml</c> for member <paramref name="node"/> at <paramref name="address"/>:
    /// <paramref name="initialCluster"/> (<c>name=peerURL,…</c>) and <c>new</c> or <c>existing</c>.</summary>
    public void WriteConfig(string node, IPAddress address, string initialCluster, bool newCluster, string token)
    {
        string Q(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
        string client = ClusterState.Text(ClusterState.ClientUrlOf(address)), peer = ClusterState.Text(ClusterState.PeerUrlOf(address));
        string security = $"  cert-file: {Q(paths.NodeCert)}\n  key-file: {Q(paths.NodeKey)}\n  client-cert-auth: true\n  trusted-ca-file: {Q(paths.CaCert)}\n";
        Pki.WriteFile(paths.EtcdConfig,
            "# Written by ha-cluster: this node's etcd member.\n"
            + $"name: {Q(node)}\ndata-dir: {Q(paths.EtcdData)}\n"
            + $"listen-client-urls: {client}\nadvertise-client-urls: {client}\nlisten-peer-urls: {peer}\ninitial-advertise-peer-urls: {peer}\n"
            + $"initial-cluster: {Q(initialCluster)}\ninitial-cluster-state: {(newCluster ? "new" : "existing")}\ninitial-cluster-token: {Q(token)}\n"
            + "pre-vote: true\nlogger: zap\nlog-outputs: [stderr]\n"
            + "client-transport-security:\n" + security + "peer-transport-security:\n" + security,
            secret: false);
    }

    /// <summary>Starts (or restarts) the etcd member.</summary>
    public void StartEtcd()
    {
        if (!File.Exists(EtcdBinary)) throw new CliFailure($"{EtcdBinary} is missing: apt-get install etcd-server\n");
        if (mode == StartMode.Systemd) Systemctl("enable", "--now", "ha-etcd.service");
        else StartDetached("etcd", EtcdBinary, ["--config-file", paths.EtcdConfig]);
    }

    /// <summary>Starts <c>ha-cluster serve</c> (joins, this node's published information) and waits until it
    /// takes joins on <paramref name="address"/>, so the next node may join through this one at once.</summary>
    public void StartService(IPAddress address)
    {
        if (mode == StartMode.Systemd) Systemctl("enable", "--now", "ha-cluster.service");
        else StartDetached("ha-cluster", Environment.ProcessPath ?? "ha-cluster", ["serve"]);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient(address.AddressFamily);
                probe.Connect(address, ClusterState.JoinPort);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < until) { Thread.Sleep(50); }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new CliFailure($"ha-cluster serve does not take joins on {address}:{ClusterState.JoinPort} - {e.Message}; see {paths.LogFile("ha-cluster")} or journalctl -u ha-cluster\n");
            }
        }
    }

    /// <summary>Restarts the HA daemons if they run, so they use the cluster store (systemd only: without it whoever
    /// started them restarts them).</summary>
    public void RestartHaDaemons()
    {
        if (mode == StartMode.Systemd) Systemctl("try-restart", "ha-lrm.service", "ha-crm.service");
    }

    /// <summary>Stops the join service and the etcd member (and, through systemd, the HA daemons first).</summary>
    public void StopAll()
    {
        if (mode == StartMode.Systemd)
        {
            Systemctl("stop", "ha-lrm.service", "ha-crm.service");
            Systemctl("disable", "--now", "ha-cluster.service", "ha-etcd.service");
            return;
        }
        StopDetached("ha-cluster");
        StopDetached("etcd");
    }

    private static void Systemctl(params string[] args)
    {
        // By its full path: a bare name makes .NET look in the working directory first, which may be unreachable
        // (a shell entered into a container's namespaces).
        var (code, output) = Run("/usr/bin/systemctl", args);
        if (code != 0) throw new CliFailure($"systemctl {string.Join(' ', args)} failed: {output.Trim()}\n");
    }

    private static (int Code, string Output) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e) { return (127, $"{file}: {e.Message}"); }
    }

    /// <summary>Starts a process in a session of its own (it outlives this command and no terminal signal reaches it),
    /// output appended to its log, pid in its pid file. The shell writes its own pid, then becomes the program.</summary>
    private void StartDetached(string name, string program, string[] args)
    {
        StopDetached(name);
        Directory.CreateDirectory(paths.RunDir);
        Directory.CreateDirectory(paths.LogDir);
        string pidFile = paths.PidFile(name);
        File.Delete(pidFile);
        var argv = new List<string> { "-c", "setsid sh -c 'echo $$ > \"$0\"; exec \"$@\"' \"$@\" < /dev/null >> \"$LOGFILE\" 2>&1 &", "sh", pidFile, program };
        argv.AddRange(args);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var a in argv) psi.ArgumentList.Add(a);
        psi.Environment["LOGFILE"] = paths.LogFile(name);
        using (var p = Process.Start(psi)!)
        {
            p.WaitForExit();
        }
        var until = DateTime.UtcNow.AddSeconds(5);
        while (ReadPid(name) is null)
        {
            if (DateTime.UtcNow > until) throw new CliFailure($"{name} did not start; see {paths.LogFile(name)}\n");
            Thread.Sleep(20);
        }
    }

    /// <summary>The pid of a directly started process that still runs, or null.</summary>
    public int? ReadPid(string name)
    {
        try
        {
            if (!int.TryParse(File.ReadAllText(paths.PidFile(name)).Trim(), out int pid)) return null;
            return File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z') ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private void StopDetached(string name)
    {
        if (ReadPid(name) is not int pid) return;
        try
        {
            using var p = Process.GetProcessById(pid);
            Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGTERM);
            if (!p.WaitForExit(10_000)) p.Kill();
            p.WaitForExit(5_000);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        File.Delete(paths.PidFile(name));
    }
}
