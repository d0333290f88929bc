using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HaManager.Core.Environment;

namespace HaManager.Store.Etcd;

/// <summary>
/// Blocking calls to an etcd cluster over gRPC (dotnet-etcd's generated clients), with etcd's client
/// rules (platform §1.7): every request carries <c>hasleader: true</c>, so a member without a leader refuses
/// at once instead of hanging, and a deadline; a member that cannot answer is skipped for the next one.
/// Every failure becomes one <see cref="HaEnvironmentException"/>. Thread-safe.
/// </summary>
public sealed class EtcdConnection : IDisposable
{
    private readonly (Uri Url, GrpcChannel Channel, KV.KVClient Kv, Lease.LeaseClient Lease, Watch.WatchClient Watch)[] _members;

    /// <summary>The members' URLs, as given.</summary>
    public IReadOnlyList<Uri> Endpoints => _members.Select(m => m.Url).ToArray();
    private readonly TimeSpan _timeout;
    private int _current;
    private static readonly Metadata HasLeader = new() { { "hasleader", "true" } };

    /// <param name="endpoints">The members' client URLs.</param>
    /// <param name="timeout">The deadline of one request to one member.</param>
    /// <param name="tls">Client certificate and CA for <c>https://</c> members (null: the system's trust, no client certificate).</param>
    public EtcdConnection(IReadOnlyList<Uri> endpoints, TimeSpan timeout, EtcdTls? tls = null)
    {
        _timeout = timeout;
        Tls = tls;
        var certificates = tls?.Load();
        _members = endpoints.Select(url =>
        {
            var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    ConnectTimeout = timeout,
                    KeepAlivePingDelay = timeout,
                    KeepAlivePingTimeout = timeout,
                    EnableMultipleHttp2Connections = true,
                    SslOptions = certificates is var (ca, client) ? EtcdTls.ClientOptions(ca, client) : new(),
                },
                // A member that was cut off and is back must be used again within a round, not minutes later.
                InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
                MaxReconnectBackoff = TimeSpan.FromSeconds(1),
                MaxReceiveMessageSize = 64 * 1024 * 1024,
            });
            return (url, channel, new KV.KVClient(channel), new Lease.LeaseClient(channel), new Watch.WatchClient(channel));
        }).ToArray();
    }

    /// <summary>The TLS files this connection uses, if any.</summary>
    public EtcdTls? Tls { get; }

    /// <summary>The deadline of one request.</summary>
    public TimeSpan Timeout => _timeout;

    private long _requests, _sent, _received;

    /// <summary>Requests made, and protobuf bytes sent and received by them, since this connection opened
    /// (keep-alives and watches not counted): what the benchmarks report as store traffic.</summary>
    public (long Requests, long SentBytes, long ReceivedBytes) Traffic =>
        (Interlocked.Read(ref _requests), Interlocked.Read(ref _sent), Interlocked.Read(ref _received));

    private T Counted<T>(Google.Protobuf.IMessage request, T response) where T : Google.Protobuf.IMessage
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _sent, request.CalculateSize());
        Interlocked.Add(ref _received, response.CalculateSize());
        return response;
    }

    /// <summary>Runs one request, trying each member at most once, starting with the last that answered. A
    /// request that is not idempotent (<paramref name="once"/>) is tried on one member only: a request that
    /// timed out may still have been applied.</summary>
    public T Call<T>(string what, Func<KV.KVClient, Lease.LeaseClient, CallOptions, T> request, bool once = false) =>
        CallOn(what, (member, options) => request(member.Kv, member.Lease, options), once);

    private T CallOn<T>(string what, Func<(Uri Url, GrpcChannel Channel, KV.KVClient Kv, Lease.LeaseClient Lease, Watch.WatchClient Watch), CallOptions, T> request, bool once)
    {
        string? last = null;
        for (int attempt = 0; attempt < (once ? 1 : _members.Length); attempt++)
        {
            int index = (Volatile.Read(ref _current) + attempt) % _members.Length;
            var member = _members[index];
            try
            {
                var result = request(member, new CallOptions(HasLeader, DateTime.UtcNow + _timeout));
                Volatile.Write(ref _current, index);
                return result;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
                                             or StatusCode.Unknown or StatusCode.Internal or StatusCode.Cancelled)
            {
                last = $"{member.Url.GetLeftPart(UriPartial.Authority)}: {e.Status.Detail}";
            }
            catch (RpcException e)
            {
                throw new HaEnvironmentException($"etcd {what} failed - {e.Status.Detail}\n");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                last = $"{member.Url.GetLeftPart(UriPartial.Authority)}: {e.Message}";
            }
        }
        throw new HaEnvironmentException($"etcd {what} failed - {last}\n");
    }

    // ---- The requests the store uses.

    /// <summary>A key's current value, or null.</summary>
    public Mvccpb.KeyValue? Get(string key) => Range(new RangeRequest { Key = Bytes(key) }).Kvs.FirstOrDefault();

    /// <summary>A range request.</summary>
    public RangeResponse Range(RangeRequest request) => Counted(request, Call("read", (kv, _, o) => kv.Range(request, o)));

    /// <summary>Every key under a prefix, in key order.</summary>
    public IReadOnlyList<Mvccpb.KeyValue> GetPrefix(string prefix, bool keysOnly = false) =>
        Range(new RangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), KeysOnly = keysOnly }).Kvs;

    /// <summary>How many keys a prefix has.</summary>
    public long Count(string prefix) => Range(new RangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), CountOnly = true }).Count;

    /// <summary>Writes a key (bound to <paramref name="lease"/> when not 0).</summary>
    public void Put(string key, string value, long lease = 0)
    {
        var request = new PutRequest { Key = Bytes(key), Value = Bytes(value), Lease = lease };
        Counted(request, Call("write", (kv, _, o) => kv.Put(request, o)));
    }

    /// <summary>A transaction.</summary>
    public TxnResponse Txn(TxnRequest txn) => Counted(txn, Call("transaction", (kv, _, o) => kv.Txn(txn, o)));

    /// <summary>Deletes every key under a prefix and returns them, atomically; tried once (a retry after a lost
    /// answer would return nothing and lose what the first attempt took).</summary>
    public IReadOnlyList<Mvccpb.KeyValue> TakePrefix(string prefix)
    {
        var request = new DeleteRangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), PrevKv = true };
        return Counted(request, Call("delete", (kv, _, o) => kv.DeleteRange(request, o), once: true)).PrevKvs;
    }

    /// <summary>A new lease of <paramref name="ttlSeconds"/>.</summary>
    public long Grant(long ttlSeconds) => Call("lease grant", (_, lease, o) => lease.LeaseGrant(new LeaseGrantRequest { TTL = ttlSeconds }, o)).ID;

    /// <summary>One keep-alive of a lease: true iff the lease still lived (its full TTL is restored).</summary>
    public bool KeepAlive(long id) => Call("lease keep-alive", (_, lease, o) =>
    {
        using var call = lease.LeaseKeepAlive(o);
        call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = id }).GetAwaiter().GetResult();
        bool answered = call.ResponseStream.MoveNext(CancellationToken.None).GetAwaiter().GetResult();
        call.RequestStream.CompleteAsync().GetAwaiter().GetResult();
        return answered && call.ResponseStream.Current.TTL > 0;
    });

    /// <summary>A lease's granted and remaining TTL in seconds (remaining ≤ 0: expired or unknown).</summary>
    public (long Granted, long Remaining) TimeToLive(long id)
    {
        var response = Call("lease time-to-live", (_, lease, o) => lease.LeaseTimeToLive(new LeaseTimeToLiveRequest { ID = id }, o));
        return (response.GrantedTTL, response.TTL);
    }

    /// <summary>Revokes a lease (its keys vanish at once); false if that failed.</summary>
    public bool Revoke(long id)
    {
        try
        {
            Call("lease revoke", (_, lease, o) => lease.LeaseRevoke(new LeaseRevokeRequest { ID = id }, o));
            return true;
        }
        catch (HaEnvironmentException) { return false; }
    }

    /// <summary>Watches every key under <paramref name="prefix"/> until <paramref name="stop"/>: each batch of events
    /// goes to <paramref name="onEvents"/>. A watch that breaks (member gone, no leader, connection cut) is
    /// created again on the next member a second later; <paramref name="onRestart"/> runs each time a watch
    /// is (re)established, since events may have been missed in between.</summary>
    public void Watch(string prefix, Action<IReadOnlyList<Mvccpb.Event>> onEvents, Action onRestart, CancellationToken stop)
    {
        int index = Volatile.Read(ref _current);
        while (!stop.IsCancellationRequested)
        {
            var member = _members[index % _members.Length];
            try
            {
                using var call = member.Watch.Watch(new CallOptions(HasLeader, cancellationToken: stop));
                call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), ProgressNotify = true },
                }).GetAwaiter().GetResult();
                while (call.ResponseStream.MoveNext(stop).GetAwaiter().GetResult())
                {
                    var response = call.ResponseStream.Current;
                    if (response.Created) onRestart();
                    if (response.Canceled) break;
                    if (response.Events.Count > 0) onEvents(response.Events);
                }
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException or OperationCanceledException or InvalidOperationException)
            {
            }
            if (stop.IsCancellationRequested) return;
            index++;
            stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>etcd's cluster membership service on the member that answered last (member list, add, remove,
    /// promote), tried on each member in turn; <paramref name="once"/> as in <see cref="Call{T}"/>.</summary>
    public T Members<T>(string what, Func<Cluster.ClusterClient, CallOptions, T> request, bool once = false) =>
        CallOn(what, (member, o) => request(new Cluster.ClusterClient(member.Channel), o), once);

    /// <summary>Member <paramref name="url"/>'s own status (its id, its leader, whether it is a learner), asked of
    /// that member only, with <paramref name="timeout"/>; null when it does not answer.</summary>
    public StatusResponse? StatusOf(Uri url, TimeSpan timeout)
    {
        var member = _members.FirstOrDefault(m => m.Url == url);
        if (member.Channel is null) return null;
        try
        {
            return new Maintenance.MaintenanceClient(member.Channel).Status(new StatusRequest(), new CallOptions(deadline: DateTime.UtcNow + timeout));
        }
        catch (Exception e) when (e is RpcException or HttpRequestException or IOException or OperationCanceledException) { return null; }
    }

    /// <summary>UTF-8 bytes of a key or value.</summary>
    public static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    /// <summary>The end of a prefix range: the prefix with its last byte incremented.</summary>
    public static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var member in _members) member.Channel.Dispose();
    }
}
