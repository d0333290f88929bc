using System.Globalization;
using Etcdserverpb;
using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;

namespace HaManager.Store.Etcd;

/// <summary>How an <see cref="EtcdStore"/> talks to etcd.</summary>
public sealed record EtcdStoreOptions
{
    /// <summary>The deadline of one request to one member (default 2 s). Also the quorum test: a node is
    /// quorate while it completes a linearizable request within it.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>One HA second is 1/TimeScale real seconds (local clusters run faster); lease TTLs are real.</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>The TTL of a running daemon's presence key, real seconds: how soon a dead or cut-off node
    /// shows as offline (default 5).</summary>
    public long PresenceTtlSeconds { get; init; } = 5;

    /// <summary>How long one quorum probe's answer is reused (default 0.5 s: a round asks several times).</summary>
    public TimeSpan QuorumProbeInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Mutual TLS (the node's certificate and the cluster's CA), for clusters formed by <c>ha-cluster</c>.</summary>
    public EtcdTls? Tls { get; init; }
}

/// <summary>
/// The cluster store of one node on etcd (layout: <see cref="EtcdKeys"/>). Reads are linearizable; writes
/// only the master may do are transactions guarded by its lock's fencing token (<see cref="EtcdLocks.Guard"/>);
/// configuration edits are compare-and-swap on the key's mod revision, retried, so no concurrent edit is
/// lost; taking the CRM command queue is one atomic delete that returns what it deleted. Quorum is
/// "etcd answered a linearizable request within the request timeout": a node cut off from the etcd
/// majority is not quorate, so it can neither renew its locks nor write. Membership: registered nodes
/// (<c>nodes/</c>) and the presence keys of running daemons (<c>online/</c>, lease-bound, kept alive by
/// <see cref="StartPresence"/>).
/// </summary>
public sealed class EtcdStore : IHaStore
{
    private readonly EtcdConnection _etcd;
    private readonly EtcdKeys _keys;
    private readonly string _node;
    private readonly EtcdStoreOptions _options;
    private readonly Func<NodeShutdownInfo> _shutdown;
    private readonly Action<string>? _warn;
    private readonly EtcdLocks _locks;
    private readonly object _quorumGate = new();
    private (DateTime At, bool Quorate) _quorum = (DateTime.MinValue, false);
    private Presence? _presence;
    private readonly Dictionary<int, string> _written = [];
    private long _writtenToken = -1;
    private readonly CancellationTokenSource _watchStop = new();
    private Thread? _watch;
    private string? _lastWarnedDigest;
    private readonly object _configGate = new();
    private ((long, long, long) Version, SortedMap<ServiceConfigEntry> Value)? _config;

    /// <summary>Opens the store; contacts etcd only when first used.</summary>
    public EtcdStore(StoreAddress.Etcd address, string node, SafetyBudget budget, EtcdStoreOptions? options = null,
        Func<NodeShutdownInfo>? shutdown = null, Action<string>? warn = null)
    {
        _options = options ?? new EtcdStoreOptions();
        _etcd = new EtcdConnection(address.Endpoints, _options.RequestTimeout, _options.Tls);
        _keys = new EtcdKeys(address.Prefix);
        _node = node;
        _shutdown = shutdown ?? (() => default);
        _warn = warn;
        Address = address.ToString();
        _locks = new EtcdLocks(_etcd, _keys, node, LeaseTtl(budget.LockLifetimeSeconds, _options.TimeScale))
        {
            RetryWindow = TimeSpan.FromSeconds(budget.LockRetryWindowSeconds / _options.TimeScale),
            TimeScale = _options.TimeScale,
        };
    }

    /// <summary>A lock lifetime in HA seconds as a lease TTL: real seconds, rounded up, at least etcd's minimum of 2.</summary>
    public static long LeaseTtl(int haSeconds, double timeScale) => Math.Max(2, (long)Math.Ceiling(haSeconds / timeScale));

    /// <inheritdoc/>
    public IClusterLocks Locks => _locks;

    /// <inheritdoc/>
    public string Address { get; }

    /// <summary>Requests and bytes this store exchanged with etcd (see <see cref="EtcdConnection.Traffic"/>).</summary>
    public (long Requests, long SentBytes, long ReceivedBytes) Traffic => _etcd.Traffic;

    /// <summary>The connection (benchmarks seed data through it).</summary>
    public EtcdConnection Connection => _etcd;

    /// <summary>The keys of this cluster.</summary>
    public EtcdKeys Keys => _keys;

    /// <summary>Registers this node and keeps a presence key alive for this process until disposed: the
    /// daemons call it, so a node is online while one of its daemons runs and reaches etcd.</summary>
    public void StartPresence(string id) => _presence ??= new Presence(this, id);

    /// <summary>Wakes the daemon (<paramref name="wake"/>) as soon as something it must act on changes in etcd
    /// (<see cref="WakeFilter"/>), instead of waiting for its next round; until disposed.</summary>
    public void WatchForChanges(WakeRole role, Action wake)
    {
        if (_watch is not null) return;
        var filter = new WakeFilter(_keys, _node, role);
        _watch = new Thread(() => _etcd.Watch(_keys.Prefix, events =>
        {
            bool any = false;
            foreach (var e in events)
            {
                bool deleted = e.Type == Mvccpb.Event.Types.EventType.Delete;
                any |= filter.Wakes(e.Kv.Key.ToStringUtf8(), deleted ? null : e.Kv.Value.ToStringUtf8(), deleted);
            }
            if (any) wake();
        }, wake, _watchStop.Token)) { IsBackground = true, Name = "etcd watch" };
        _watch.Start();
    }

    // ---- Membership.

    /// <inheritdoc/>
    public bool IsQuorate()
    {
        lock (_quorumGate)
        {
            if (DateTime.UtcNow - _quorum.At < _options.QuorumProbeInterval) return _quorum.Quorate;
            bool quorate;
            try { _etcd.Count(_keys.Nodes); quorate = true; }
            catch (HaEnvironmentException) { quorate = false; }
            _quorum = (DateTime.UtcNow, quorate);
            return quorate;
        }
    }

    /// <inheritdoc/>
    public NodeInfo GetNodeInfo()
    {
        try
        {
            var r = _etcd.Txn(EtcdOps.Txn([], EtcdOps.Range(_keys.Nodes, prefix: true, keysOnly: true),
                EtcdOps.Range(_keys.Online, prefix: true, keysOnly: true)));
            var online = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var kv in r.Responses[0].ResponseRange.Kvs) online[kv.Key.ToStringUtf8()[_keys.Nodes.Length..]] = false;
            foreach (var kv in r.Responses[1].ResponseRange.Kvs)
                online[kv.Key.ToStringUtf8()[_keys.Online.Length..].Split('/')[0]] = true;
            return new NodeInfo(online, true);
        }
        catch (HaEnvironmentException)
        {
            return new NodeInfo(new Dictionary<string, bool>(StringComparer.Ordinal), false);
        }
    }

    /// <inheritdoc/>
    public string? GetNodeVersion(string node)
    {
        try { return _etcd.Get(_keys.Node(node))?.Value.ToStringUtf8() is { Length: > 0 } v ? v : null; }
        catch (HaEnvironmentException) { return null; }
    }

    /// <summary>Adds this node to the cluster's node list (if it is not there yet): a node is a member from
    /// then on, online while one of its daemons keeps its presence.</summary>
    public void RegisterNode() => _etcd.Txn(EtcdOps.Txn([EtcdOps.Absent(_keys.Node(_node))], EtcdOps.Put(_keys.Node(_node), "")));

    /// <inheritdoc/>
    public void PublishVersion(string version) => _etcd.Put(_keys.Node(_node), version);

    /// <inheritdoc/>
    public void PublishPostMortem(string text) => _etcd.Put(_keys.PostMortem(_node), text.TrimEnd('\n'));

    /// <inheritdoc/>
    public string? ReadPostMortem(string node) => _etcd.Get(_keys.PostMortem(node))?.Value.ToStringUtf8() is { Length: > 0 } t ? t : null;

    /// <inheritdoc/>
    public NodeShutdownInfo IsNodeShutdown() => _shutdown();

    // ---- Store.

    /// <inheritdoc/>
    public bool ClusterStateUpdate() => true;

    /// <inheritdoc/>
    public ManagerStatus ReadManagerStatus()
    {
        var keys = _etcd.GetPrefix(_keys.ManagerStatus);
        string? meta = Text(keys.FirstOrDefault(kv => kv.Key.ToStringUtf8() == _keys.ManagerStatusMeta));
        var shards = keys.Where(kv => kv.Key.ToStringUtf8().StartsWith(_keys.ManagerStatusShards, StringComparison.Ordinal)).Select(kv => kv.Value.ToStringUtf8());
        return Parse(() => ManagerStatusShards.Join(meta, shards), "manager status");
    }

    /// <inheritdoc/>
    public void WriteManagerStatus(ManagerStatus status, LockLease managerLease)
    {
        var (meta, shards) = ManagerStatusShards.Split(status);
        lock (_written)
        {
            // What this master wrote under this very lease is what etcd holds (every write is guarded by the
            // lease): unchanged shards need no write. Under a new lease, compare with etcd itself.
            if (_writtenToken != managerLease.Token)
            {
                _written.Clear();
                foreach (var kv in _etcd.GetPrefix(_keys.ManagerStatusShards))
                    _written[int.Parse(kv.Key.ToStringUtf8()[_keys.ManagerStatusShards.Length..], CultureInfo.InvariantCulture)] = kv.Value.ToStringUtf8();
                _writtenToken = managerLease.Token;
            }
            var txn = EtcdOps.Txn(_locks.Guard(managerLease), EtcdOps.Put(_keys.ManagerStatusMeta, meta));
            foreach (var (shard, json) in shards)
                if (_written.GetValueOrDefault(shard) != json) txn.Success.Add(EtcdOps.Put(_keys.ManagerStatusShard(shard), json));
            foreach (var shard in _written.Keys.Where(k => !shards.ContainsKey(k)))
                txn.Success.Add(EtcdOps.Delete(_keys.ManagerStatusShard(shard)));
            TxnResponse response;
            try { response = _etcd.Txn(txn); }
            catch (HaEnvironmentException)
            {
                _writtenToken = -1; // the outcome is unknown: compare with etcd next time
                throw;
            }
            if (!response.Succeeded) throw NotHeld(managerLease);
            _written.Clear();
            foreach (var (shard, json) in shards) _written[shard] = json;
        }
    }

    /// <inheritdoc/>
    public LrmStatus ReadLrmStatus(string node) =>
        Parse(() => StatusJson.ParseLrmStatus(Text(_etcd.Get(_keys.LrmStatus(node))) ?? ""), $"lrm status of '{node}'");

    /// <inheritdoc/>
    public void WriteLrmStatus(string node, LrmStatus status) => _etcd.Put(_keys.LrmStatus(node), StatusJson.Write(status));

    /// <inheritdoc/>
    public void QueueCrmCommand(string command)
    {
        // Unique and roughly ordered; the queue is read in create-revision order, which is etcd's order.
        string id = DateTime.UtcNow.Ticks.ToString("x16", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
        _etcd.Put(_keys.CrmCommands + id, command.TrimEnd('\n') + "\n");
    }

    /// <inheritdoc/>
    public bool AnyPendingCrmCommand() => _etcd.Count(_keys.CrmCommands) > 0;

    /// <inheritdoc/>
    public string ReadCrmCommands() =>
        string.Concat(_etcd.TakePrefix(_keys.CrmCommands).OrderBy(kv => kv.CreateRevision).Select(kv => kv.Value.ToStringUtf8()));

    /// <inheritdoc/>
    public SortedMap<ServiceConfigEntry> ReadServiceConfig()
    {
        // Every round reads the configuration (the master twice, every LRM once): at 10,000 services that
        // is about a megabyte each time. A probe of a few bytes — resources.cfg's revision, the homes'
        // count and latest revision — says whether the last read still holds; any put raises the latest
        // revision and any delete lowers the count.
        var latestHome = EtcdOps.Range(_keys.Homes, prefix: true, keysOnly: true);
        latestHome.RequestRange.Limit = 1;
        latestHome.RequestRange.SortTarget = RangeRequest.Types.SortTarget.Mod;
        latestHome.RequestRange.SortOrder = RangeRequest.Types.SortOrder.Descend;
        var probe = EtcdOps.Txn([], EtcdOps.Range(_keys.Config(ConfigFile.Resources), keysOnly: true), latestHome);
        var p = _etcd.Txn(probe);
        var homesProbe = p.Responses[1].ResponseRange;
        var version = (p.Responses[0].ResponseRange.Kvs.FirstOrDefault()?.ModRevision ?? 0, homesProbe.Count, homesProbe.Kvs.FirstOrDefault()?.ModRevision ?? 0);
        lock (_configGate)
        {
            if (_config is { } cached && cached.Version == version) return Copy(cached.Value);
        }

        // One transaction at the probe's revision: the configuration and the homes the version describes.
        var r = _etcd.Txn(EtcdOps.Txn([], EtcdOps.Range(_keys.Config(ConfigFile.Resources), revision: p.Header.Revision),
            EtcdOps.Range(_keys.Homes, prefix: true, revision: p.Header.Revision)));
        var file = ResourcesConfig.Parse(Text(r.Responses[0].ResponseRange.Kvs.FirstOrDefault()) ?? "");
        if (_warn is not null && file.Warnings.Count > 0 && file.Digest != _lastWarnedDigest)
        {
            _lastWarnedDigest = file.Digest;
            foreach (var warning in file.Warnings) _warn(warning);
        }
        var homes = r.Responses[1].ResponseRange.Kvs.ToDictionary(kv => kv.Key.ToStringUtf8()[_keys.Homes.Length..], kv => kv.Value.ToStringUtf8(), StringComparer.Ordinal);
        var config = ResourcesConfig.ToRuntime(file, sid => homes.GetValueOrDefault(sid));
        lock (_configGate) _config = (version, config);
        return Copy(config);
    }

    private static SortedMap<ServiceConfigEntry> Copy(SortedMap<ServiceConfigEntry> config) => new(config, e => e.Clone());

    /// <inheritdoc/>
    public void StealService(string sid, string fromNode, string toNode, LockLease managerLease)
    {
        if (MoveHome(sid, fromNode, toNode, _locks.Guard(managerLease))) return;
        if (NodeOfService(sid) == fromNode) throw NotHeld(managerLease);
        throw HomeMismatch(sid, fromNode);
    }

    /// <inheritdoc/>
    public string? ReadConfig(ConfigFile file) => Text(_etcd.Get(_keys.Config(file)));

    /// <inheritdoc/>
    public void EditConfig(ConfigFile file, Func<string?, string?> edit, TimeSpan? wait = null)
    {
        string key = _keys.Config(file);
        var until = DateTime.UtcNow + (wait ?? TimeSpan.FromSeconds(10));
        for (int attempt = 0; ; attempt++)
        {
            var current = _etcd.Get(key);
            string? text = edit(Text(current));
            var unchanged = current is null ? EtcdOps.Absent(key) : EtcdOps.ModifiedAt(key, current.ModRevision);
            if (_etcd.Txn(EtcdOps.Txn([unchanged], text is null ? EtcdOps.Delete(key) : EtcdOps.Put(key, text))).Succeeded) return;
            if (DateTime.UtcNow > until)
                throw new HaEnvironmentException($"unable to edit {key} - other edits kept winning for {(wait ?? TimeSpan.FromSeconds(10)).TotalSeconds:0} s\n");
            // Lost the race: back off exponentially with jitter, so a crowd of editors spreads out instead of
            // rereading and rewriting the file in lockstep.
            Thread.Sleep(Random.Shared.Next(0, Math.Min(1000, 10 << Math.Min(attempt, 7))));
        }
    }

    /// <inheritdoc/>
    public string? NodeOfService(string sid) => Text(_etcd.Get(_keys.Home(sid)));

    /// <inheritdoc/>
    public void PlaceService(string sid, string node) => _etcd.Put(_keys.Home(sid), node);

    /// <inheritdoc/>
    public void MoveServiceHome(string sid, string fromNode, string toNode)
    {
        if (!MoveHome(sid, fromNode, toNode, [])) throw HomeMismatch(sid, fromNode);
    }

    /// <summary>Moves a service's home only from where it is, and only while <paramref name="guard"/> holds.</summary>
    private bool MoveHome(string sid, string fromNode, string toNode, IEnumerable<Compare> guard) =>
        _etcd.Txn(EtcdOps.Txn(guard.Append(EtcdOps.ValueIs(_keys.Home(sid), fromNode)), EtcdOps.Put(_keys.Home(sid), toNode))).Succeeded;

    private HaEnvironmentException HomeMismatch(string sid, string fromNode) =>
        new($"current_node for '{sid}' does not match ({fromNode} != {NodeOfService(sid) ?? ""})\n");

    /// <inheritdoc/>
    public void Dispose()
    {
        _watchStop.Cancel();
        _watch?.Join(TimeSpan.FromSeconds(5));
        _presence?.Dispose();
        _etcd.Dispose();
    }

    // ---- Helpers.

    private static HaEnvironmentException NotHeld(LockLease lease) =>
        new($"lock '{lease.Name}' (token {lease.Token}) is no longer held - refusing to write\n");

    private static string? Text(Mvccpb.KeyValue? kv) => kv?.Value.ToStringUtf8();

    private static T Parse<T>(Func<T> read, string what)
    {
        try { return read(); }
        catch (FormatException e) { throw new HaEnvironmentException($"unable to read {what} - {e.Message}"); }
    }

    /// <summary>A daemon's presence: its node registered under <c>nodes/</c> and a lease-bound key under
    /// <c>online/</c>, kept alive from a background thread; a lost lease is replaced as soon as etcd answers.</summary>
    private sealed class Presence : IDisposable
    {
        private readonly EtcdStore _store;
        private readonly string _key;
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private long _lease;

        public Presence(EtcdStore store, string id)
        {
            _store = store;
            _key = store._keys.OnlineOf(store._node, id);
            _thread = new Thread(Run) { IsBackground = true, Name = "etcd presence" };
            _thread.Start();
        }

        private void Run()
        {
            var period = TimeSpan.FromSeconds(_store._options.PresenceTtlSeconds / 3.0);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    if (_lease == 0 || !_store._etcd.KeepAlive(_lease))
                    {
                        _store.RegisterNode();
                        _lease = _store._etcd.Grant(_store._options.PresenceTtlSeconds);
                        _store._etcd.Put(_key, "", _lease);
                    }
                }
                catch (HaEnvironmentException)
                {
                    _lease = 0;
                }
                _stop.Token.WaitHandle.WaitOne(period);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join(TimeSpan.FromSeconds(5));
            if (_lease != 0) _store._etcd.Revoke(_lease);
        }
    }
}
