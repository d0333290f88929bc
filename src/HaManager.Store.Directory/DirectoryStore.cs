using System.Text;
using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Store;

namespace HaManager.Store.Directory;

/// <summary>
/// The cluster store of one node on a directory with the <c>/etc/pve</c> layout (<see cref="DirectoryLayout"/>):
/// the embedded default, shared by every node process on one machine. Writes are atomic and durable
/// (<see cref="StoreFiles"/>); configuration edits are read-modify-write under a <c>flock</c>, so no
/// concurrent edit is lost; the master's writes are checked against its lease under the lock guard
/// (<see cref="DirectoryLocks.WhileHeld"/>). Like pmxcfs, it refuses writes and lock operations while
/// its node's membership view is not quorate; reads still work. An empty or missing directory is set
/// up on first use with this node as the only, quorate member.
/// </summary>
public sealed class DirectoryStore : IHaStore
{
    private static readonly TimeSpan ConfigGuardTimeout = TimeSpan.FromSeconds(10);
    private readonly DirectoryLayout _layout;
    private readonly string _node;
    private readonly Func<NodeShutdownInfo> _shutdown;
    private readonly Action<string>? _warn;
    private string? _lastWarnedDigest;

    /// <summary>Opens (and if needed creates) the store at <paramref name="root"/> for <paramref name="node"/>.</summary>
    /// <param name="root">The store directory.</param>
    /// <param name="node">The local node.</param>
    /// <param name="clock">Time (lock ages are wall-clock seconds).</param>
    /// <param name="budget">The lock lifetime and retry window.</param>
    /// <param name="shutdown">Whether the local host is shutting down (the daemon asks systemd); default never.</param>
    /// <param name="warn">Where configuration warnings go (lines resources.cfg parsing ignored).</param>
    /// <param name="sleep">How lock retries wait (tests pass a no-op).</param>
    public DirectoryStore(string root, string node, IClock clock, SafetyBudget budget, Func<NodeShutdownInfo>? shutdown = null,
        Action<string>? warn = null, Action<TimeSpan>? sleep = null)
    {
        _layout = new DirectoryLayout(root);
        _node = node;
        _shutdown = shutdown ?? (() => default);
        _warn = warn;
        Initialise();
        Locks = new DirectoryLocks(_layout, node, clock, budget, IsQuorate, sleep);
    }

    /// <summary>The locks of this node on this store.</summary>
    public DirectoryLocks Locks { get; }

    IClusterLocks IHaStore.Locks => Locks;

    /// <inheritdoc/>
    public string Address => "directory:" + _layout.Root;

    /// <inheritdoc/>
    public void Dispose() { }

    /// <summary>The paths.</summary>
    public DirectoryLayout Layout => _layout;

    private void Initialise()
    {
        try
        {
            System.IO.Directory.CreateDirectory(_layout.Ha);
            System.IO.Directory.CreateDirectory(_layout.Node(_node));
            System.IO.Directory.CreateDirectory(_layout.Locks);
            if (File.Exists(_layout.Members)) return; // set up already: no lock needed (the CLI opens stores often)
            using var guard = StoreFiles.Lock(_layout.ConfigGuard, ConfigGuardTimeout);
            if (!File.Exists(_layout.Members)) StoreFiles.Write(_layout.Members, Members.Single(_node).ToJson(_node));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw new HaEnvironmentException($"unable to set up the store at '{_layout.Root}' - {e.Message}");
        }
    }

    // ---- Membership.

    /// <summary>This node's membership view.</summary>
    public Members ReadMembers()
    {
        string file = File.Exists(_layout.NodeMembers(_node)) ? _layout.NodeMembers(_node) : _layout.Members;
        string text = Guarded(() => StoreFiles.Read(file)) ?? throw new HaEnvironmentException($"{file} does not exist");
        return Members.Parse(text, file);
    }

    /// <inheritdoc/>
    public bool IsQuorate()
    {
        try { var m = ReadMembers(); return m.Quorate && m.Nodes.GetValueOrDefault(_node); }
        catch (HaEnvironmentException) { return false; }
    }

    /// <inheritdoc/>
    public NodeInfo GetNodeInfo()
    {
        try { return ReadMembers().ToNodeInfo(); }
        catch (HaEnvironmentException) { return new NodeInfo(new Dictionary<string, bool>(StringComparer.Ordinal), false); }
    }

    /// <inheritdoc/>
    public string? GetNodeVersion(string node) => StoreFiles.Read(_layout.Version(node))?.Trim() is { Length: > 0 } v ? v : null;

    /// <inheritdoc/>
    public void PublishVersion(string version) => Write(_layout.Version(_node), version + "\n");

    /// <inheritdoc/>
    public void PublishPostMortem(string text) => Write(_layout.PostMortem(_node), text.TrimEnd('\n') + "\n");

    /// <inheritdoc/>
    public string? ReadPostMortem(string node) => StoreFiles.Read(_layout.PostMortem(node))?.TrimEnd('\n') is { Length: > 0 } t ? t : null;

    /// <inheritdoc/>
    public NodeShutdownInfo IsNodeShutdown() => _shutdown();

    // ---- Store.

    /// <inheritdoc/>
    public bool ClusterStateUpdate() => System.IO.Directory.Exists(_layout.Ha);

    /// <inheritdoc/>
    public ManagerStatus ReadManagerStatus() =>
        Parse(() => StatusJson.ParseManagerStatus(Read(_layout.ManagerStatus) ?? ""), "manager status");

    /// <inheritdoc/>
    public void WriteManagerStatus(ManagerStatus status, LockLease managerLease)
    {
        RequireQuorum();
        string json = StatusJson.Write(status);
        Guarded(() => Locks.WhileHeld(managerLease, () => StoreFiles.Write(_layout.ManagerStatus, json)));
    }

    /// <inheritdoc/>
    public LrmStatus ReadLrmStatus(string node) =>
        Parse(() => StatusJson.ParseLrmStatus(Read(_layout.LrmStatus(node)) ?? ""), $"lrm status of '{node}'");

    /// <inheritdoc/>
    public void WriteLrmStatus(string node, LrmStatus status) => Write(_layout.LrmStatus(node), StatusJson.Write(status));

    /// <inheritdoc/>
    public void QueueCrmCommand(string command) =>
        EditUnderConfigLock(() =>
        {
            string text = StoreFiles.Read(_layout.CrmCommands) ?? "";
            StoreFiles.Write(_layout.CrmCommands, text + command.TrimEnd('\n') + "\n");
        });

    /// <inheritdoc/>
    public bool AnyPendingCrmCommand() => (Read(_layout.CrmCommands) ?? "").Length > 0;

    /// <inheritdoc/>
    public string ReadCrmCommands()
    {
        string text = "";
        EditUnderConfigLock(() =>
        {
            text = StoreFiles.Read(_layout.CrmCommands) ?? "";
            if (text.Length > 0) StoreFiles.Write(_layout.CrmCommands, "");
        });
        return text;
    }

    /// <inheritdoc/>
    public SortedMap<ServiceConfigEntry> ReadServiceConfig()
    {
        var file = ResourcesConfig.Parse(Read(_layout.Resources) ?? "");
        if (_warn is not null && file.Warnings.Count > 0 && file.Digest != _lastWarnedDigest)
        {
            _lastWarnedDigest = file.Digest;
            foreach (var warning in file.Warnings) _warn(warning);
        }
        var homes = Guarded(LocateServices);
        return ResourcesConfig.ToRuntime(file, sid => homes.GetValueOrDefault(sid));
    }

    /// <summary>Every service whose home file exists, with its node (a sid found on two nodes keeps the first
    /// in node order: a half-done manual move must not make it vanish).</summary>
    private Dictionary<string, string> LocateServices()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!System.IO.Directory.Exists(_layout.Nodes)) return result;
        foreach (var nodeDir in System.IO.Directory.EnumerateDirectories(_layout.Nodes).Order(StringComparer.Ordinal))
        {
            string node = Path.GetFileName(nodeDir);
            void Add(string sub, Func<string, string?> sidOf)
            {
                string dir = Path.Combine(nodeDir, sub);
                if (!System.IO.Directory.Exists(dir)) return;
                foreach (var file in System.IO.Directory.EnumerateFiles(dir))
                    if (sidOf(Path.GetFileName(file)) is { } sid) result.TryAdd(sid, node);
            }
            Add("qemu-server", f => f.EndsWith(".conf", StringComparison.Ordinal) ? "vm:" + f[..^5] : null);
            Add("lxc", f => f.EndsWith(".conf", StringComparison.Ordinal) ? "ct:" + f[..^5] : null);
            Add("ha-resources", f => ServiceId.LooksValid(f) ? f : null);
        }
        return result;
    }

    /// <inheritdoc/>
    public void PlaceService(string sid, string node) => Write(_layout.ServiceHome(node, sid), "");

    /// <inheritdoc/>
    public void StealService(string sid, string fromNode, string toNode, LockLease managerLease)
    {
        RequireQuorum();
        Guarded(() => Locks.WhileHeld(managerLease, () => MoveHome(sid, fromNode, toNode)));
    }

    /// <inheritdoc/>
    public string? NodeOfService(string sid) => Guarded(LocateServices).GetValueOrDefault(sid);

    /// <inheritdoc/>
    public void MoveServiceHome(string sid, string fromNode, string toNode) =>
        EditUnderConfigLock(() => MoveHome(sid, fromNode, toNode));

    private void MoveHome(string sid, string fromNode, string toNode)
    {
        string from = _layout.ServiceHome(fromNode, sid);
        if (!File.Exists(from))
        {
            string current = LocateServices().GetValueOrDefault(sid, "");
            throw new HaEnvironmentException($"current_node for '{sid}' does not match ({fromNode} != {current})\n");
        }
        string to = _layout.ServiceHome(toNode, sid);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Move(from, to, overwrite: false);
        StoreFiles.SyncDirectory(Path.GetDirectoryName(from)!);
        StoreFiles.SyncDirectory(Path.GetDirectoryName(to)!);
    }

    /// <inheritdoc/>
    public string? ReadConfig(ConfigFile file) => Read(PathOf(file));

    /// <inheritdoc/>
    public void EditConfig(ConfigFile file, Func<string?, string?> edit, TimeSpan? wait = null)
    {
        string path = PathOf(file);
        EditUnderConfigLock(() =>
        {
            if (edit(StoreFiles.Read(path)) is { } text) StoreFiles.Write(path, text);
            else if (File.Exists(path))
            {
                File.Delete(path);
                StoreFiles.SyncDirectory(Path.GetDirectoryName(path)!);
            }
        }, wait);
    }

    private string PathOf(ConfigFile file) => file switch
    {
        ConfigFile.Resources => _layout.Resources,
        ConfigFile.Rules => _layout.Rules,
        ConfigFile.Groups => _layout.Groups,
        ConfigFile.Fence => _layout.Fence,
        ConfigFile.Datacenter => _layout.Datacenter,
        _ => throw new ArgumentOutOfRangeException(nameof(file)),
    };

    // ---- Helpers: every I/O failure becomes the store's one exception.

    private string? Read(string path) => Guarded(() => StoreFiles.Read(path));

    private void Write(string path, string text)
    {
        RequireQuorum();
        Guarded(() => StoreFiles.Write(path, text));
    }

    private void EditUnderConfigLock(Action edit, TimeSpan? wait = null)
    {
        RequireQuorum();
        Guarded(() =>
        {
            using var guard = StoreFiles.Lock(_layout.ConfigGuard, wait ?? ConfigGuardTimeout);
            edit();
        });
    }

    private void RequireQuorum()
    {
        if (!IsQuorate()) throw new HaEnvironmentException("cluster not quorate - the store is read-only\n");
    }

    private static T Parse<T>(Func<T> read, string what)
    {
        try { return read(); }
        catch (FormatException e) { throw new HaEnvironmentException($"unable to read {what} - {e.Message}"); }
    }

    private static T Guarded<T>(Func<T> io)
    {
        try { return io(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw new HaEnvironmentException($"store access failed - {e.Message}");
        }
    }

    private static void Guarded(Action io) => Guarded(() => { io(); return 0; });
}
