using System.Diagnostics;
using System.Globalization;
using HaManager.LocalCluster;

namespace HaManager.Packaging.Tests;

/// <summary>
/// Three <c>systemd-nspawn</c> containers with real systemd and journald, each in its own network namespace on
/// a bridge, our .deb installed with <c>dpkg -i</c> in each (platform §0), formed into a cluster with
/// <c>ha-cluster create</c> and <c>join</c>: each node runs its own etcd member (unit <c>ha-etcd</c>, mutual TLS)
/// and dies with it. A container's root is the host's OS with copy-on-write overlays on <c>/usr</c>,
/// <c>/var</c> and <c>/etc</c> whose upper layers are the node's own disk — they survive its crashes and
/// reboots, as a machine's disk does, and leave the host as it was. There is no watchdog device: watchdog-mux
/// writes to a plain file (<c>--no-ioctl</c>) that this harness watches as the hardware would, and kills the
/// container's PID 1 — every process in it dies at once — when the file is not fed for the device timeout.
/// </summary>
internal sealed class ContainerCluster : IDisposable
{
    public const string Subnet = "10.231.77";
    private const string Bridge = "hacl0";
    private const double Scale = 5;

    private readonly string _dir;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watch;
    private readonly Lock _gate = new();
    private readonly List<string> _events = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>A container: its network, its nspawn process and what the virtual watchdog saw of it.</summary>
    public sealed class Node(string name, int index)
    {
        public string Name { get; } = name;
        public string Netns => "hacl-" + Name;
        public string Veth => "hacl-v" + index;
        public string Address => $"{Subnet}.{10 + index}";
        internal Process? Nspawn { get; set; }
        /// <summary>The container's PID 1 as the host sees it; 0 while down.</summary>
        public int Init { get; internal set; }
        internal long DeviceLength { get; set; }
        internal bool Armed { get; set; }
        /// <summary>Whether the package is on the node's disk (installed at its first boot).</summary>
        internal bool Installed { get; set; }
        internal long LastFedMs { get; set; }
        /// <summary>When (epoch ms) and why the node last died; 0 while it never did.</summary>
        public long DiedAtMs { get; internal set; }
        public string? DiedBecause { get; internal set; }
        public int Resets { get; internal set; }
    }

    public IReadOnlyList<Node> Nodes { get; }
    public ClusterTiming Timing { get; } = ClusterTiming.For(Scale) with { Etcd = true };
    public string RecordsDir => Path.Combine(_dir, "records");
    public string ShareDir => Path.Combine(_dir, "share");

    /// <summary>Node deaths (epoch ms, node, reason) in order: the evidence the overlap check ends intervals with.</summary>
    public List<(long AtMs, string Node, string Why)> Deaths { get; } = [];

    private ContainerCluster(string dir)
    {
        _dir = dir;
        Nodes = Enumerable.Range(1, 3).Select(i => new Node("node" + i, i)).ToList();
        _watch = Task.Run(WatchDevices);
    }

    public static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>What happened, with seconds since the start (printed when a case fails).</summary>
    public string EventLog
    {
        get { lock (_gate) return string.Join('\n', _events); }
    }

    public void Event(string what)
    {
        lock (_gate) _events.Add($"{_clock.Elapsed.TotalSeconds,7:0.0}s {what}");
        TestContext.Progress.WriteLine($"cluster: {what}");
    }

    /// <summary>Network and the three containers booted with the package installed and running (each on its own,
    /// on the directory store, until <see cref="Form"/>).</summary>
    public static ContainerCluster Start(string deb)
    {
        RemoveLeftovers();
        string dir = Directory.CreateTempSubdirectory("hamanager-cluster-").FullName;
        Sh($"ip link add {Bridge} type bridge && ip link set {Bridge} up");
        try
        {
            var cluster = new ContainerCluster(dir);
            cluster.Prepare(deb);
            foreach (var node in cluster.Nodes)
            {
                Sh($"ip netns add {node.Netns} && ip link add {node.Veth} type veth peer name eth0 netns {node.Netns}"
                   + $" && ip link set {node.Veth} master {Bridge} up && ip -n {node.Netns} addr add {node.Address}/24 dev eth0"
                   + $" && ip -n {node.Netns} link set eth0 up && ip -n {node.Netns} link set lo up");
            }
            foreach (var node in cluster.Nodes) cluster.Boot(node);
            return cluster;
        }
        catch
        {
            RemoveLeftovers();
            throw;
        }
    }

    /// <summary>Forms the cluster as an administrator would: <c>ha-cluster create</c> on node1, <c>join</c> on the
    /// others with the fingerprint and token create printed; then every node's etcd member, join service and HA
    /// daemons run on it.</summary>
    public void Form()
    {
        var first = Nodes[0];
        var created = Exec(first, "env", "HAMANAGER_DEBUG=1", "ha-cluster", "create", "hacl", "--address", first.Address, "--output-format", "json");
        if (created.Exit != 0) throw new InvalidOperationException($"ha-cluster create failed: {created.Out}{created.Err}");
        using var json = System.Text.Json.JsonDocument.Parse(created.Out);
        string fingerprint = json.RootElement.GetProperty("fingerprint").GetString()!, token = json.RootElement.GetProperty("token").GetString()!;
        foreach (var node in Nodes.Skip(1))
        {
            var joined = Exec(node, "env", "HAMANAGER_DEBUG=1", "ha-cluster", "join", first.Address, "--fingerprint", fingerprint, "--token", token, "--address", node.Address);
            if (joined.Exit != 0) throw new InvalidOperationException($"{node.Name}: ha-cluster join failed: {joined.Out}{joined.Err}");
        }
        foreach (var node in Nodes)
            WaitFor(() => Exec(node, "systemctl", "is-active", "ha-etcd", "ha-cluster", "watchdog-mux", "ha-crm", "ha-lrm").Exit == 0,
                TimeSpan.FromSeconds(30), $"{node.Name}: ha-etcd, ha-cluster and the HA units active");
        var status = Exec(first, "ha-cluster", "status");
        if (!status.Out.Contains("Healthy:          3", StringComparison.Ordinal)) throw new InvalidOperationException("ha-cluster status: " + status.Out + status.Err);
        Event("cluster formed with ha-cluster create and join");
    }

    private void Prepare(string deb)
    {
        Directory.CreateDirectory(ShareDir);
        Directory.CreateDirectory(RecordsDir);
        File.Copy(deb, Path.Combine(ShareDir, Path.GetFileName(deb)));
        File.WriteAllText(Path.Combine(ShareDir, "record-service"), """
            #!/bin/sh
            # A service for the OCF "anything" agent: records its start and its stop (SIGTERM) with the node it
            # runs on, the evidence the overlap check reads. Usage: record-service NAME RECORD-FILE
            now() { date +%s%3N; }
            echo "$(now) start $1 $(hostname)" >> "$2"
            trap 'echo "$(now) stop $1 $(hostname)" >> "$2"; exit 0' TERM INT
            while :; do sleep 1 & wait $!; done

            """);
        File.SetUnixFileMode(Path.Combine(ShareDir, "record-service"), (UnixFileMode)0b111_101_101);
        // The store, node name and certificates are ha-cluster's to write.
        File.WriteAllText(Path.Combine(ShareDir, "hamanager.yaml"), $"""
            watchdog_client_timeout: {Timing.ClientHaSeconds}
            watchdog_device_timeout: {Timing.DeviceHaSeconds}
            time_scale: {Scale.ToString(CultureInfo.InvariantCulture)}

            """);
        File.WriteAllText(Path.Combine(ShareDir, "default-hamanager"), $"""
            WATCHDOG_MUX_DEVICE=/srv/hw/watchdog
            WATCHDOG_MUX_NO_IOCTL=1
            WATCHDOG_MUX_CLIENT_TIMEOUT={Timing.ClientRealSeconds}
            WATCHDOG_MUX_DEVICE_TIMEOUT={Timing.DeviceRealSeconds}

            """);
    }

    /// <summary>Boots a container; at its first boot installs the package as an administrator would (configuration
    /// first, then <c>dpkg -i</c>, whose maintainer scripts start the units); waits until the units run.</summary>
    public void Boot(Node node)
    {
        string disk = Path.Combine(_dir, node.Name, "disk");
        foreach (var layer in new[] { "usr", "var", "etc" }) Directory.CreateDirectory(Path.Combine(disk, layer));
        string hw = Path.Combine(_dir, node.Name, "hw");
        Directory.CreateDirectory(hw);
        File.WriteAllText(Path.Combine(hw, "watchdog"), "");
        node.DeviceLength = 0;
        node.Armed = false;
        string console = Path.Combine(_dir, node.Name, "console.log");
        string[] masks = ["systemd-networkd-wait-online", "etcd", "corosync", "logd", "openhpid"];
        string command = $"exec systemd-nspawn -D / --volatile=yes --register=no --keep-unit --console=passive"
            + $" --network-namespace-path=/run/netns/{node.Netns} -M hacl-{node.Name} --hostname={node.Name}"
            + $" --overlay=/usr:{disk}/usr:/usr --overlay=/var:{disk}/var:/var --overlay=/etc:{disk}/etc:/etc"
            + $" --bind={hw}:/srv/hw --bind={RecordsDir}:/srv/records --bind-ro={ShareDir}:/srv/share"
            + " --boot -- systemd.firstboot=off " + string.Join(' ', masks.Select(m => $"systemd.mask={m}.service"))
            + $" >> {console} 2>&1";
        node.Nspawn = Process.Start(new ProcessStartInfo("sh", ["-c", command]) { UseShellExecute = false })!;
        // The container's systemd: nspawn may have short-lived helper children besides it.
        node.Init = WaitFor(() => ProcStat.Pids().FirstOrDefault(p => ProcStat.Parent(p) == node.Nspawn.Id && Comm(p) == "systemd"),
            TimeSpan.FromSeconds(20), $"{node.Name}: the container's PID 1");
        string state = "";
        try
        {
            WaitFor(() =>
            {
                state = Exec(node, "systemctl", "is-system-running").Out.Trim();
                return state is "running" or "degraded";
            }, TimeSpan.FromSeconds(60), $"{node.Name}: systemd running");
        }
        catch (TimeoutException e)
        {
            string tail = File.Exists(console) ? string.Join('\n', File.ReadAllLines(console).TakeLast(15)) : "(no console output)";
            throw new TimeoutException($"{e.Message} (last state: '{state}'; console:\n{tail})");
        }
        if (node.Installed)
        {
            // Its disk has everything: systemd starts the units as on any reboot.
            WaitFor(() => Exec(node, "systemctl", "is-active", "ha-etcd", "watchdog-mux", "ha-crm", "ha-lrm").Exit == 0,
                TimeSpan.FromSeconds(60), $"{node.Name}: ha-etcd, watchdog-mux, ha-crm and ha-lrm active after the reboot");
            Event($"{node.Name} rebooted (PID 1 is {node.Init} on the host)");
            return;
        }
        string deb = Path.GetFileName(Directory.EnumerateFiles(ShareDir, "hamanager_*.deb").Order(StringComparer.Ordinal).First());
        // The host's policy-rc.d forbids starting services; a node has none (the overlay keeps the host's).
        var install = Exec(node, "sh", "-c", $"""
            set -e
            hostname {node.Name}; echo {node.Name} > /etc/hostname
            rm -f /usr/sbin/policy-rc.d
            mkdir -p /etc/hamanager
            printf 'node: {node.Name}\n' | cat - /srv/share/hamanager.yaml > /etc/hamanager/hamanager.yaml
            cp /srv/share/default-hamanager /etc/default/hamanager
            dpkg -i --force-confold /srv/share/{deb}
            """);
        if (install.Exit != 0) throw new InvalidOperationException($"{node.Name}: dpkg -i failed: {install.Out}{install.Err}");
        WaitFor(() => Exec(node, "systemctl", "is-active", "watchdog-mux", "ha-crm", "ha-lrm").Exit == 0,
            TimeSpan.FromSeconds(30), $"{node.Name}: watchdog-mux, ha-crm and ha-lrm active");
        node.Installed = true;
        Event($"{node.Name} booted and installed {deb} (PID 1 is {node.Init} on the host)");
    }

    /// <summary>Runs a command inside a running container (all its namespaces, as root).</summary>
    public Repo.Result Exec(Node node, params string[] args)
    {
        if (node.Init == 0) throw new InvalidOperationException($"{node.Name} is down");
        return Repo.Run("nsenter", ["-t", node.Init.ToString(CultureInfo.InvariantCulture), "-a", "--wd=/", .. args],
            timeout: TimeSpan.FromSeconds(90));
    }

    /// <summary>Crashes a node: its PID 1 killed, every process in it gone at once.</summary>
    public void Kill(Node node, string why)
    {
        lock (_gate)
        {
            if (node.Init == 0) return;
            KillQuietly(node.Init);
            long at = NowMs;
            node.Init = 0;
            node.DiedAtMs = at;
            node.DiedBecause = why;
            if (why == "watchdog") node.Resets++;
            Deaths.Add((at, node.Name, why));
        }
        node.Nspawn?.WaitForExit(20_000);
        Event($"{node.Name} died ({why})");
    }

    /// <summary>Cuts (or restores) a node's link to the bridge.</summary>
    public void Link(Node node, bool up)
    {
        Sh($"ip link set {node.Veth} {(up ? "up" : "down")}");
        Event($"{node.Name} link {(up ? "up" : "down")}");
    }

    /// <summary>The virtual hardware watchdog: armed by the first feed, reset when not fed for the device
    /// timeout, disarmed by the magic close ('V' last) as a real one is.</summary>
    private async Task WatchDevices()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var node in Nodes)
            {
                Node? reset = null;
                lock (_gate)
                {
                    if (node.Init == 0) continue;
                    string device = Path.Combine(_dir, node.Name, "hw", "watchdog");
                    long length;
                    try { length = new FileInfo(device).Length; }
                    catch (IOException) { continue; }
                    long now = NowMs;
                    if (length > node.DeviceLength)
                    {
                        node.DeviceLength = length;
                        node.LastFedMs = now;
                        node.Armed = LastByte(device) != 'V';
                    }
                    else if (node.Armed && now - node.LastFedMs > Timing.DeviceRealSeconds * 1000L) reset = node;
                }
                if (reset is not null) Kill(reset, "watchdog");
            }
            try { await Task.Delay(100, _stop.Token); }
            catch (OperationCanceledException) { }
        }
    }

    private static int LastByte(string path)
    {
        using var f = File.OpenRead(path);
        if (f.Length == 0) return -1;
        f.Seek(-1, SeekOrigin.End);
        return f.ReadByte();
    }

    /// <summary>Records "epoch-ms start|stop name node" of every service.</summary>
    public List<(long AtMs, string What, string Service, string Node)> Records() =>
        Directory.EnumerateFiles(RecordsDir, "*.log").SelectMany(File.ReadAllLines)
            .Select(l => l.Split(' ')).Where(p => p.Length == 4)
            .Select(p => (long.Parse(p[0], CultureInfo.InvariantCulture), p[1], p[2], p[3]))
            .OrderBy(r => r.Item1).ToList();

    /// <summary>Where a service last started, and when; null while it never did.</summary>
    public (string Node, long AtMs)? LastStart(string service)
    {
        var last = Records().LastOrDefault(r => r.Service == service);
        return last.What == "start" ? (last.Node, last.AtMs) : null;
    }

    /// <summary>Every pair of copies of one service that ran at the same time: a copy runs from its start to
    /// its stop record, or to its node's death.</summary>
    public List<string> Overlaps()
    {
        var found = new List<string>();
        foreach (var group in Records().GroupBy(r => r.Service))
        {
            var intervals = new List<(string Node, long From, long To)>();
            foreach (var r in group.Where(r => r.What == "start"))
            {
                long stop = group.Where(s => s.What == "stop" && s.Node == r.Node && s.AtMs >= r.AtMs).Select(s => s.AtMs).DefaultIfEmpty(long.MaxValue).Min();
                long death = Deaths.Where(d => d.Node == r.Node && d.AtMs >= r.AtMs).Select(d => d.AtMs).DefaultIfEmpty(long.MaxValue).Min();
                intervals.Add((r.Node, r.AtMs, Math.Min(stop, death)));
            }
            for (int i = 0; i < intervals.Count; i++)
                for (int j = i + 1; j < intervals.Count; j++)
                    if (intervals[i].From < intervals[j].To && intervals[j].From < intervals[i].To)
                        found.Add($"{group.Key}: on {intervals[i].Node} from {intervals[i].From} and on {intervals[j].Node} from {intervals[j].From}");
        }
        return found;
    }

    public static T WaitFor<T>(Func<T?> probe, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = probe();
            if (value is not null && !value.Equals(default(T))) return value;
            if (DateTime.UtcNow > until) throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0} s");
            Thread.Sleep(200);
        }
    }

    /// <summary>SIGKILL, whether or not the process is still there.</summary>
    private static void KillQuietly(int pid)
    {
        try { Process.GetProcessById(pid).Kill(); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
    }

    private static string Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return ""; }
    }

    private static int ChildOf(int pid) => ProcStat.Pids().FirstOrDefault(child => ProcStat.Parent(child) == pid);

    private static void Sh(string script)
    {
        var r = Repo.Run("sh", ["-c", script]);
        if (r.Exit != 0) throw new InvalidOperationException($"{script}: {r.Err.Trim()}");
    }

    /// <summary>What an earlier run that died left: containers (their PID 1 first: killing only nspawn would
    /// orphan them), namespaces, the bridge.</summary>
    private static void RemoveLeftovers()
    {
        foreach (int pid in ProcStat.Pids())
        {
            if (ProcStat.CommandLine(pid) is not { } cmdline || !cmdline.StartsWith("systemd-nspawn ", StringComparison.Ordinal)
                || !cmdline.Contains(" -M hacl-node", StringComparison.Ordinal)) continue;
            foreach (int victim in new[] { ChildOf(pid), pid }.Where(p => p > 0)) KillQuietly(victim);
        }
        Repo.Run("sh", ["-c", "sleep 0.5; for n in 1 2 3; do ip netns del hacl-node$n 2>/dev/null; ip link del hacl-v$n 2>/dev/null; done; "
            + $"ip link del {Bridge} 2>/dev/null; true"]);
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _watch.Wait(5000); } catch (AggregateException) { }
        foreach (var node in Nodes)
        {
            if (node.Init != 0)
            {
                KillQuietly(node.Init);
                node.Init = 0;
            }
            node.Nspawn?.WaitForExit(20_000);
            node.Nspawn?.Dispose();
        }
        RemoveLeftovers();
        Directory.Delete(_dir, recursive: true);
    }
}
