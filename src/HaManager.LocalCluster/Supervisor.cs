using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HaManager.Configuration;
using HaManager.Core.Environment;
using HaManager.Core.Model;
using HaManager.Store;
using HaManager.Store.Directory;
using HaManager.Store.Etcd;
using Mono.Unix.Native;

namespace HaManager.LocalCluster;

/// <summary>What the supervisor says about a node.</summary>
public enum NodePower
{
    /// <summary>Its processes run.</summary>
    Up,
    /// <summary>Reset or crashed; boots again at <see cref="Supervisor.NodeState.BootAtMs"/>.</summary>
    Down,
}

/// <summary>
/// The virtual hardware of a local cluster. Each node is a process group in its own session (and, as
/// root, its own PID namespace) — its
/// watchdog-mux on a plain-file device, its ha-crm and ha-lrm, and every service their agents start —
/// so a power cut is one <c>kill -KILL -pgid</c>: the services die with the node, as on real hardware.
/// The supervisor watches each device file: a node whose watchdog-mux stopped feeding it for the
/// device timeout (counted from its first feed, as a hardware watchdog arms when opened) is reset
/// (killed at once) and boots again later. <c>cut</c> takes a node out of the
/// quorate partition, so its LRM loses its lock, stops feeding the watchdog and the node fences itself:
/// on the directory store its own membership view loses quorum and the others see it offline; on etcd
/// (a real etcd cluster the supervisor starts) every connection of the node to etcd goes through a
/// proxy of its own, and the cut resets them all. Every reset, crash, cut and heal is appended to the
/// cluster's record file next to the services' own start/stop records.
/// </summary>
public sealed class Supervisor : IDisposable
{
    /// <summary>A node as the supervisor tracks it.</summary>
    public sealed class NodeState(string name)
    {
        public string Name { get; } = name;
        public NodePower Power { get; set; } = NodePower.Down;
        public bool Cut { get; set; }
        public bool Paused { get; set; }
        /// <summary>Whether the node's watchdog timer counts on while it is paused (a stalled machine) rather than
        /// standing still with it (a paused virtual machine).</summary>
        public bool PausedWatchdogRuns { get; set; }
        public Process? Group { get; set; }
        public long DeviceLength { get; set; }
        public bool Armed { get; set; }
        public long LastFedMs { get; set; }
        public long BootAtMs { get; set; }
        public int Boots { get; set; }
    }

    private readonly ClusterLayout _layout;
    private readonly ClusterTiming _timing;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Action<string> _say;
    private readonly object _gate = new();
    private bool _halted;
    private readonly Dictionary<string, List<TcpCutProxy>> _proxies = new(StringComparer.Ordinal);

    /// <summary>Seconds a reset or crashed node stays down before it boots (HA seconds): long enough for
    /// the others to fence it and recover its services, as a real reboot is.</summary>
    public double BootDelayHaSeconds { get; init; } = 300;

    /// <summary>Each node in a PID namespace of its own (as root, where <c>unshare</c> exists): a power cut
    /// then also kills what left the node's process group — a daemon that started its own session. Its /proc
    /// is its own too, so a PID a node's process sees (watchdog-mux naming its clients) means the same there.</summary>
    public bool PidNamespaces { get; init; } = Environment.UserName == "root" && File.Exists("/usr/bin/unshare");

    /// <summary>Extra environment for every node's processes (tests put stand-ins on PATH this way).</summary>
    public IReadOnlyDictionary<string, string> NodeEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The nodes, in name order.</summary>
    public IReadOnlyList<NodeState> Nodes { get; }

    /// <summary>The etcd cluster, when the store is etcd.</summary>
    public EtcdCluster? Etcd { get; }

    /// <summary>The store's address as seen from outside the nodes (ha-manager, tests): the etcd members
    /// directly, not through a node's proxies.</summary>
    public string StoreAddress { get; }

    /// <summary>A handle on the store for looking (the manager status): reads only.</summary>
    public IHaStore Observer { get; }

    /// <summary>Sets up (or reuses) the cluster directory with <paramref name="nodeNames"/> as members.</summary>
    /// <param name="root">The cluster directory.</param>
    /// <param name="nodeNames">The nodes.</param>
    /// <param name="timing">The timeouts.</param>
    /// <param name="say">Where the supervisor's events go.</param>
    /// <param name="etcdMembers">0: the directory store in the cluster directory; otherwise start an etcd
    /// cluster of that many members on loopback and keep the store there.</param>
    public Supervisor(string root, IReadOnlyList<string> nodeNames, ClusterTiming timing, Action<string>? say = null, int etcdMembers = 0)
    {
        _layout = new ClusterLayout(root);
        _timing = timing with { Etcd = etcdMembers > 0 };
        _say = say ?? (_ => { });
        Nodes = nodeNames.Order(StringComparer.Ordinal).Select(n => new NodeState(n)).ToList();
        Directory.CreateDirectory(_layout.Control);
        Directory.CreateDirectory(Path.Combine(_layout.Ocf, "resource.d"));
        LinkOcfProvider("hamanager", Path.Combine(ClusterLayout.ToolDir, "ocf", "hamanager"));
        if (Directory.Exists("/usr/lib/ocf/lib")) Link(Path.Combine(_layout.Ocf, "lib"), "/usr/lib/ocf/lib");
        if (Directory.Exists("/usr/lib/ocf/resource.d/heartbeat")) LinkOcfProvider("heartbeat", "/usr/lib/ocf/resource.d/heartbeat");
        if (etcdMembers > 0)
        {
            Etcd = EtcdCluster.Start(etcdMembers);
            StoreAddress = Etcd.StoreAddress();
        }
        else StoreAddress = "directory:" + _layout.Store;
        File.WriteAllText(_layout.StoreAddress, StoreAddress + "\n");
        foreach (var node in Nodes)
        {
            Directory.CreateDirectory(_layout.Node(node.Name));
            string store = StoreAddress;
            if (Etcd is not null)
            {
                _proxies[node.Name] = Etcd.ClientUrls.Select(u => new TcpCutProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, u.Port))).ToList();
                store = "etcd:" + string.Join(',', _proxies[node.Name].Select(p => p.Url.GetLeftPart(UriPartial.Authority) + "/hamanager"));
            }
            File.WriteAllText(_layout.NodeConfig(node.Name), $"""
                node: {node.Name}
                store: {store}
                watchdog_socket: {_layout.MuxSocket(node.Name)}
                watchdog_client_timeout: {timing.ClientHaSeconds}
                watchdog_device_timeout: {timing.DeviceHaSeconds}
                time_scale: {timing.Scale.ToString(CultureInfo.InvariantCulture)}
                ocf_root: {_layout.Ocf}
                post_mortem_dir: {_layout.PostMortemDir(node.Name)}

                """);
        }
        if (Etcd is null)
        {
            Directory.CreateDirectory(new DirectoryLayout(_layout.Store).Ha); // a store ha-manager can edit before any daemon ran
            WriteMembers();
        }
        Observer = OpenStore(_layout, Nodes[0].Name);
        // The cluster's node list, as corosync.conf is on Proxmox: every node is a member before it first boots.
        if (Etcd is not null)
            foreach (var node in Nodes)
            {
                using var store = (EtcdStore)OpenStore(_layout, node.Name);
                store.RegisterNode();
            }
    }

    /// <summary>The manager status as the store holds it now; empty while it cannot be read (no master yet,
    /// etcd electing a leader): for whoever polls it.</summary>
    public ManagerStatus ManagerStatusOrEmpty()
    {
        try { return Observer.ReadManagerStatus(); }
        catch (HaEnvironmentException) { return new ManagerStatus(); }
    }

    /// <summary>Opens the store of the cluster in <paramref name="layout"/> as <paramref name="node"/>.</summary>
    public static IHaStore OpenStore(ClusterLayout layout, string node)
    {
        var address = HaManager.Store.StoreAddress.Parse(File.ReadAllText(layout.StoreAddress).Trim());
        var config = new NodeConfig { Node = node, Store = address };
        return StoreFactory.Open(config, new ScaledClock(1));
    }

    private void LinkOcfProvider(string provider, string target) => Link(Path.Combine(_layout.Ocf, "resource.d", provider), target);

    private static void Link(string path, string target)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) Directory.CreateSymbolicLink(path, target);
    }

    /// <summary>Milliseconds since the supervisor started.</summary>
    public long NowMs => _clock.ElapsedMilliseconds;

    /// <summary>The cluster directory's files.</summary>
    public ClusterLayout Layout => _layout;

    /// <summary>The timing.</summary>
    public ClusterTiming Timing => _timing;

    /// <summary>Boots every node that is down and due.</summary>
    public void BootAll()
    {
        lock (_gate)
            foreach (var node in Nodes)
                if (node.Power == NodePower.Down && !_halted) Boot(node);
    }

    private void Boot(NodeState node)
    {
        string dir = _layout.Node(node.Name);
        string device = _layout.Device(node.Name);
        File.WriteAllText(device, "");
        // A boot starts with an empty /run: no socket, no "watchdog active" marker, no service pid files of the
        // last life (a stale pid reused by a process of the new life would make a stopped service look running).
        File.Delete(_layout.MuxSocket(node.Name));
        if (Directory.Exists(Path.Combine(_layout.ServiceState, node.Name))) Directory.Delete(Path.Combine(_layout.ServiceState, node.Name), recursive: true);
        if (Directory.Exists(_layout.ActiveMarker(node.Name))) Directory.Delete(_layout.ActiveMarker(node.Name), recursive: true);
        string tool = ClusterLayout.ToolDir;
        string Q(string s) => "'" + s.Replace("'", "'\\''") + "'";
        string restart = Math.Max(0.2, 5 / _timing.Scale).ToString("0.0##", CultureInfo.InvariantCulture);
        // One session and process group per node: a power cut kills exactly this group.
        string script = string.Join("\n",
            $"{Q(Path.Combine(tool, "watchdog-mux"))} --no-ioctl --device {Q(device)} --socket {Q(_layout.MuxSocket(node.Name))}"
            + $" --active-marker {Q(_layout.ActiveMarker(node.Name))} --client-timeout {_timing.ClientRealSeconds}"
            + $" --device-timeout {_timing.DeviceRealSeconds} --post-mortem {Q(Path.Combine(_layout.PostMortemDir(node.Name), "watchdog-mux"))}"
            + $" --client-record {Q(_layout.MuxClients(node.Name))}"
            + $" >> {Q(_layout.Log(node.Name, "watchdog-mux"))} 2>&1 &",
            $"i=0; while [ ! -S {Q(_layout.MuxSocket(node.Name))} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
            // As the units' Restart=on-failure, RestartSec=5s (scaled): a daemon that dies is started again. One
            // that had armed the watchdog still resets the node (watchdog-mux stops feeding for a client that
            // vanished); one killed before, without the watchdog, would otherwise leave the node without HA for
            // good (a chaos campaign's liveness finding).
            $"until {Q(Path.Combine(tool, "HaManager.Daemon"))} crm >> {Q(_layout.Log(node.Name, "ha-crm"))} 2>&1; do sleep {restart}; done &",
            $"until {Q(Path.Combine(tool, "HaManager.Daemon"))} lrm >> {Q(_layout.Log(node.Name, "ha-lrm"))} 2>&1; do sleep {restart}; done &",
            "wait");
        // A new session and process group (setsid); as root also a PID namespace whose init is the
        // node's shell: when it dies, the kernel kills every process left in the namespace.
        string[] command = PidNamespaces
            ? ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", "sh", "-c", script]
            : ["sh", "-c", script];
        var psi = new ProcessStartInfo("setsid", command)
        {
            UseShellExecute = false, RedirectStandardInput = true, WorkingDirectory = dir,
        };
        psi.Environment["HAMANAGER_CONFIG"] = _layout.NodeConfig(node.Name);
        psi.Environment["HAMANAGER_JOURNAL_SOCKET"] = Path.Combine(dir, "no-journal");
        psi.Environment["WATCHDOG_MUX_JOURNAL_SOCKET"] = Path.Combine(dir, "no-journal");
        foreach (var (k, v) in NodeEnvironment) psi.Environment[k] = v;
        node.Group = Process.Start(psi)!;
        node.Group.StandardInput.Close();
        node.Power = NodePower.Up;
        node.Boots++;
        node.DeviceLength = 0;
        node.Armed = false;
        node.LastFedMs = NowMs;
        if (!node.Cut) SetOnline(node.Name, true);
        Record($"boot {node.Name}");
        _say($"{node.Name}: booted (process group {node.Group.Id})");
    }

    /// <summary>Kills every process of the node at once (power cut) and schedules its boot.</summary>
    private void PowerCut(NodeState node, string reason)
    {
        if (node.Power != NodePower.Up || node.Group is not { } group) return;
        Syscall.kill(-group.Id, Signum.SIGKILL);
        group.WaitForExit(5000);
        group.Dispose();
        node.Group = null;
        node.Power = NodePower.Down;
        node.Paused = false;
        node.BootAtMs = NowMs + (long)(_timing.Real(BootDelayHaSeconds) * 1000);
        SetOnline(node.Name, false);
        Record($"{reason} {node.Name}");
        string what = reason switch { "reset" => "watchdog reset", "fence" => "powered off by a fence device", _ => "crashed" };
        _say($"{node.Name}: {what} - everything it ran is gone");
    }

    /// <summary>One supervision step: watch the devices, boot nodes that are due, run control commands.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            if (_halted) return;
            long now = NowMs;
            foreach (var node in Nodes)
            {
                // A paused virtual machine: its watchdog timer is frozen too. A stalled machine's is not.
                if (node.Power == NodePower.Up && node.Paused && !node.PausedWatchdogRuns) continue;
                if (node.Power == NodePower.Up)
                {
                    long length = new FileInfo(_layout.Device(node.Name)).Length;
                    // Like a hardware watchdog, the device counts down only once in use: from watchdog-mux's first
                    // feed or its first client (a start slowed by a busy machine is no reason to reset, and a
                    // client that dies before the first feed must still end in a reset).
                    if (!node.Armed && (length > 0 || Directory.Exists(_layout.ActiveMarker(node.Name))))
                    {
                        node.Armed = true;
                        node.LastFedMs = Math.Max(node.LastFedMs, now);
                    }
                    if (length > node.DeviceLength)
                    {
                        node.DeviceLength = length;
                        node.LastFedMs = Math.Max(node.LastFedMs, now);
                    }
                    else if (node.Armed && now - node.LastFedMs > _timing.DeviceRealSeconds * 1000L) PowerCut(node, "reset");
                }
                else if (node.BootAtMs > 0 && now >= node.BootAtMs) Boot(node);
            }
            RunControlCommands();
            WriteState();
        }
    }

    /// <summary>Crashes a node (power cut now).</summary>
    public void Crash(string name)
    {
        lock (_gate) PowerCut(NodeNamed(name), "crash");
    }

    /// <summary>Powers a node off as a fence device does (fence_hamanager_local's <c>off</c>); it boots again later.</summary>
    public void PowerOff(string name)
    {
        lock (_gate) PowerCut(NodeNamed(name), "fence");
    }

    /// <summary>Freezes a whole node (SIGSTOP to its process group: daemons, watchdog-mux and services). By default as
    /// a virtual machine is paused: its watchdog timer is frozen with it, so nothing fences it while it sleeps, and
    /// its services run on when it resumes — outside what watchdog fencing can protect. With
    /// <paramref name="watchdogRuns"/> as a stalled machine: its hardware watchdog counts on and resets it once the
    /// device timeout passes unfed, which is what the safety budget counts on.</summary>
    public void Pause(string name, bool watchdogRuns = false)
    {
        lock (_gate)
        {
            var node = NodeNamed(name);
            if (node.Power != NodePower.Up || node.Group is not { } group || node.Paused) return;
            Syscall.kill(-group.Id, Signum.SIGSTOP);
            node.Paused = true;
            node.PausedWatchdogRuns = watchdogRuns;
            Record($"pause {name}");
            _say($"{name}: paused");
        }
    }

    /// <summary>Lets a paused node run on from where it stopped; its watchdog timer runs on from where it stood.</summary>
    public void Resume(string name)
    {
        lock (_gate)
        {
            var node = NodeNamed(name);
            if (!node.Paused || node.Group is not { } group) return;
            node.Paused = false;
            node.LastFedMs = NowMs;
            Syscall.kill(-group.Id, Signum.SIGCONT);
            Record($"resume {name}");
            _say($"{name}: resumed");
        }
    }

    /// <summary>Cuts a node off the network: it loses quorum and the others see it offline.</summary>
    public void CutOff(string name)
    {
        lock (_gate)
        {
            var node = NodeNamed(name);
            node.Cut = true;
            if (_proxies.TryGetValue(name, out var proxies)) proxies.ForEach(p => p.Cut());
            else
                StoreFiles.Write(new DirectoryLayout(_layout.Store).NodeMembers(name),
                    new Members("local", false, new SortedDictionary<string, bool>(StringComparer.Ordinal) { [name] = true }).ToJson(name));
            SetOnline(name, false);
            Record($"cut {name}");
            _say($"{name}: network cut");
        }
    }

    /// <summary>Heals a node's network.</summary>
    public void Heal(string name)
    {
        lock (_gate)
        {
            var node = NodeNamed(name);
            node.Cut = false;
            if (_proxies.TryGetValue(name, out var proxies)) proxies.ForEach(p => p.Heal());
            else File.Delete(new DirectoryLayout(_layout.Store).NodeMembers(name));
            if (node.Power == NodePower.Up) SetOnline(name, true);
            Record($"heal {name}");
            _say($"{name}: network healed");
        }
    }

    /// <summary>Writes a configuration file before the nodes boot (the directory store refuses edits from a node
    /// that is not online yet, so its file is written directly).</summary>
    public void WriteConfig(ConfigFile file, string text)
    {
        if (Etcd is null) StoreFiles.Write(file switch
        {
            ConfigFile.Fence => new DirectoryLayout(_layout.Store).Fence,
            ConfigFile.Datacenter => new DirectoryLayout(_layout.Store).Datacenter,
            _ => throw new ArgumentException($"{file} is not written before boot", nameof(file)),
        }, text);
        else Observer.EditConfig(file, _ => text);
    }

    /// <summary>Hardware fencing for every node through <c>fence_hamanager_local</c> (<c>fencing: hardware</c>):
    /// the master powers a failed node off through this supervisor instead of waiting for its lock to expire.</summary>
    public void EnableHardwareFencing()
    {
        WriteConfig(ConfigFile.Fence, ClusterServices.LocalFenceLevel(_layout, Nodes.Select(n => n.Name)));
        WriteConfig(ConfigFile.Datacenter, "fencing: hardware\n");
    }

    /// <summary>Per service, the node it runs on now, from the agents' own start/stop records and the power records.</summary>
    public Dictionary<string, string> Running() => Records.Running(Records.Read(_layout.Record));

    /// <summary>The host PID of a node's daemon (<c>crm</c>, <c>lrm</c> or <c>watchdog-mux</c>), or null when it
    /// does not run: found among the processes of the node's process group by command line.</summary>
    public int? DaemonPid(string node, string role)
    {
        int? pgid;
        lock (_gate) pgid = NodeNamed(node).Group?.Id;
        if (pgid is null) return null;
        string marker = role == "watchdog-mux" ? "watchdog-mux " : "HaManager.Daemon " + role;
        foreach (int pid in ProcStat.Pids())
            if (ProcStat.Fields(pid) is { } fields && ProcStat.Number(fields, 2) == pgid
                && ProcStat.CommandLine(pid) is { } cmdline && cmdline.Contains(marker, StringComparison.Ordinal))
                return pid;
        return null;
    }

    /// <summary>Stops every node for good (their services die with them): no node boots afterwards.</summary>
    public void Down()
    {
        lock (_gate)
        {
            // For good: a campaign's ticker still runs while a signal handler takes the cluster down, and must not
            // boot a node that was waiting to reboot once the handler is done.
            _halted = true;
            foreach (var node in Nodes)
            {
                node.BootAtMs = 0;
                if (node.Power != NodePower.Up || node.Group is not { } group) continue;
                Syscall.kill(-group.Id, Signum.SIGKILL);
                group.WaitForExit(5000);
                node.Power = NodePower.Down;
                Record($"down {node.Name}");
            }
        }
    }

    private NodeState NodeNamed(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"no such node '{name}' (nodes: {string.Join(", ", Nodes.Select(n => n.Name))})");

    /// <summary>Appends a hardware event to the record file (the same file the demo agent records in).</summary>
    private void Record(string what) =>
        File.AppendAllText(_layout.Record, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {what}\n");

    private Members ReadMembers() =>
        File.Exists(Path.Combine(_layout.Store, ".members"))
            ? Members.Parse(File.ReadAllText(Path.Combine(_layout.Store, ".members")), ".members")
            : new Members("local", true, Nodes.ToDictionary(n => n.Name, _ => false));

    private void WriteMembers(Members? members = null)
    {
        members ??= new Members("local", true, new SortedDictionary<string, bool>(
            Nodes.ToDictionary(n => n.Name, n => n.Power == NodePower.Up && !n.Cut), StringComparer.Ordinal));
        StoreFiles.Write(Path.Combine(_layout.Store, ".members"), members.ToJson(Nodes[0].Name));
    }

    private void SetOnline(string name, bool online)
    {
        if (Etcd is not null) return; // on etcd, membership is the daemons' own presence
        var m = ReadMembers();
        var nodes = new SortedDictionary<string, bool>(m.Nodes.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal) { [name] = online };
        // Quorum as corosync counts it: more than half of the members online.
        WriteMembers(new Members(m.ClusterName, nodes.Count(kv => kv.Value) * 2 > nodes.Count, nodes));
    }

    /// <summary>Commands other shells leave in the control folder (<c>crash-node2</c>, <c>cut-node1</c>, <c>heal-node1</c>,
    /// <c>pause-node3</c>, <c>resume-node3</c>, <c>down</c>).</summary>
    private void RunControlCommands()
    {
        foreach (var file in Directory.EnumerateFiles(_layout.Control).Order(StringComparer.Ordinal).ToList())
        {
            string command = Path.GetFileName(file);
            File.Delete(file);
            int dash = command.IndexOf('-');
            string verb = dash < 0 ? command : command[..dash];
            string arg = dash < 0 ? "" : command[(dash + 1)..];
            try
            {
                switch (verb)
                {
                    case "crash": Crash(arg); break;
                    case "fence": PowerOff(arg); break;
                    case "cut": CutOff(arg); break;
                    case "heal": Heal(arg); break;
                    case "pause": Pause(arg); break;
                    case "resume": Resume(arg); break;
                    case "down": Down(); StopRequested = true; break;
                }
            }
            catch (ArgumentException e) { _say(e.Message); }
        }
    }

    /// <summary>True once a <c>down</c> command arrived.</summary>
    public bool StopRequested { get; private set; }

    private void WriteState()
    {
        var state = Nodes.ToDictionary(n => n.Name, n => new Dictionary<string, object>
        {
            ["power"] = n.Power == NodePower.Up ? "up" : "down", ["cut"] = n.Cut, ["paused"] = n.Paused, ["boots"] = n.Boots,
            ["pgid"] = n.Group?.Id ?? 0,
        });
        StoreFiles.Write(_layout.State, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["supervisor_pid"] = Environment.ProcessId, ["time_scale"] = _timing.Scale, ["nodes"] = state,
        }));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Down();
        Observer.Dispose();
        foreach (var proxy in _proxies.Values.SelectMany(p => p)) proxy.Dispose();
        Etcd?.Dispose();
    }
}
