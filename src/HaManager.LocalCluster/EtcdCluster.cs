using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HaManager.LocalCluster;

/// <summary>
/// A real etcd cluster on loopback (Debian's <c>etcd</c>, platform §1.2): N members on free ports, data
/// under /dev/shm, <c>--pre-vote</c> on; ready when every member's <c>/health</c> says true. Members can be
/// killed and restarted (same data directory: they rejoin). Disposing kills them and removes the data.
/// </summary>
public sealed class EtcdCluster : IDisposable
{
    /// <summary>Where Debian installs etcd.</summary>
    public const string Binary = "/usr/bin/etcd";

    private readonly string _dataRoot;
    private readonly (int Client, int Peer)[] _ports;
    private readonly Process?[] _processes;
    private readonly string _initialCluster;
    private readonly string _token = "hamanager-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _host;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(1) };

    private EtcdCluster(int members, string dataRoot, string host)
    {
        _dataRoot = dataRoot;
        _host = host;
        _ports = Enumerable.Range(0, members).Select(_ => (FreePort(), FreePort())).ToArray();
        _processes = new Process?[members];
        _initialCluster = string.Join(',', _ports.Select((p, i) => $"m{i + 1}=http://{host}:{p.Peer}"));
    }

    /// <summary>Starts <paramref name="members"/> members listening on <paramref name="host"/> (loopback unless
    /// containers on a bridge must reach them) and waits until all are healthy.</summary>
    public static EtcdCluster Start(int members, TimeSpan? timeout = null, string host = "127.0.0.1")
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{Binary} is missing: apt-get install -y etcd-server");
        string parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        RemoveOrphans(parent);
        string root = Path.Combine(parent, DirPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var cluster = new EtcdCluster(members, root, host);
        try
        {
            for (int i = 0; i < members; i++) cluster.StartMember(i);
            for (int i = 0; i < members; i++) cluster.WaitHealthy(i, timeout ?? TimeSpan.FromSeconds(20));
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    private const string DirPrefix = "hamanager-etcd-";

    /// <summary>What an owner that died without disposing its cluster left behind (a crashed test host, a
    /// killed supervisor): members whose parent is gone (re-parented to init) are killed, and data
    /// directories no running member uses are removed — on /dev/shm they are memory (about 370 MiB a cluster).</summary>
    private static void RemoveOrphans(string parent)
    {
        var inUse = new HashSet<string>(StringComparer.Ordinal);
        foreach (int pid in ProcStat.Pids())
        {
            try
            {
                if (ProcStat.CommandLine(pid) is not { } cmdline) continue;
                int at = cmdline.IndexOf(Path.Combine(parent, DirPrefix), StringComparison.Ordinal);
                if (!cmdline.StartsWith(Binary + " ", StringComparison.Ordinal) || at < 0) continue;
                if (ProcStat.Parent(pid) == 1)
                {
                    try { Process.GetProcessById(pid).Kill(); } catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
                    continue;
                }
                inUse.Add(cmdline[(at + parent.TrimEnd('/').Length + 1)..].Split(' ', '/')[0]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        }
        // Only old ones: another process may be starting its members in a directory it just made.
        foreach (var dir in Directory.EnumerateDirectories(parent, DirPrefix + "*"))
            if (!inUse.Contains(Path.GetFileName(dir)) && Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddMinutes(-10))
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
    }

    /// <summary>The members' client URLs.</summary>
    public IReadOnlyList<Uri> ClientUrls => _ports.Select(p => new Uri($"http://{_host}:{p.Client}")).ToArray();

    /// <summary>The store address of this cluster under <paramref name="prefix"/> (e.g. <c>/hamanager</c>).</summary>
    public string StoreAddress(string prefix = "/hamanager") =>
        "etcd:" + string.Join(',', ClientUrls.Select(u => u.GetLeftPart(UriPartial.Authority) + prefix));

    /// <summary>Kills member <paramref name="index"/> (0-based) with SIGKILL and waits for it to exit.</summary>
    public void Kill(int index)
    {
        if (_processes[index] is not { } p) return;
        try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        p.WaitForExit(10_000);
        p.Dispose();
        _processes[index] = null;
    }

    /// <summary>Starts member <paramref name="index"/> again on its data directory and waits until it is healthy
    /// (it needs a quorum of members running for that).</summary>
    public void Restart(int index, bool waitHealthy = true)
    {
        StartMember(index);
        if (waitHealthy) WaitHealthy(index, TimeSpan.FromSeconds(20));
    }

    /// <summary>Whether member <paramref name="index"/> answers <c>/health</c> with true (it has a leader).</summary>
    public bool Healthy(int index)
    {
        try { return Http.GetStringAsync($"http://{_host}:{_ports[index].Client}/health").GetAwaiter().GetResult().Contains("\"true\"", StringComparison.Ordinal); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
    }

    /// <summary>The index of the member that is leader now, or null when none answers with one.</summary>
    public int? LeaderIndex()
    {
        for (int i = 0; i < _ports.Length; i++)
        {
            if (_processes[i] is null) continue;
            try
            {
                using var content = new StringContent("{}");
                using var response = Http.PostAsync($"http://{_host}:{_ports[i].Client}/v3/maintenance/status", content).GetAwaiter().GetResult();
                using var json = System.Text.Json.JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
                var root = json.RootElement;
                if (root.TryGetProperty("leader", out var leader) && root.GetProperty("header").GetProperty("member_id").GetString() == leader.GetString())
                    return i;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException) { }
        }
        return null;
    }

    private void StartMember(int i)
    {
        var (client, peer) = _ports[i];
        var psi = new ProcessStartInfo(Binary)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            "--name", $"m{i + 1}", "--data-dir", Path.Combine(_dataRoot, $"m{i + 1}"),
            "--listen-client-urls", $"http://{_host}:{client}", "--advertise-client-urls", $"http://{_host}:{client}",
            "--listen-peer-urls", $"http://{_host}:{peer}", "--initial-advertise-peer-urls", $"http://{_host}:{peer}",
            "--initial-cluster", _initialCluster, "--initial-cluster-token", _token, "--initial-cluster-state", "new",
            "--pre-vote", "--logger", "zap", "--log-outputs", Path.Combine(_dataRoot, $"m{i + 1}.log"),
        }) psi.ArgumentList.Add(arg);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("etcd did not start");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _processes[i] = p;
    }

    private void WaitHealthy(int i, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!Healthy(i))
        {
            if (_processes[i] is { HasExited: true } p)
                throw new InvalidOperationException($"etcd member m{i + 1} exited with {p.ExitCode}; see {Path.Combine(_dataRoot, $"m{i + 1}.log")}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"etcd member m{i + 1} not healthy after {timeout.TotalSeconds:0} s");
            Thread.Sleep(100);
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        for (int i = 0; i < _processes.Length; i++) Kill(i);
        try { Directory.Delete(_dataRoot, recursive: true); } catch (IOException) { }
    }
}
