using Etcdserverpb;
using HaManager.Core.Environment;

namespace HaManager.Store.Etcd;

/// <summary>
/// Cluster locks on etcd: a lock is the key <c>locks/&lt;name&gt;</c> holding the holder's node name, bound to a
/// lease of the lock lifetime and created only if absent (a transaction comparing its create revision with 0).
/// Renewing is one keep-alive of that lease; when the holder stops renewing, etcd deletes the key after the
/// TTL and another node may create it. The fencing token is the key's create revision: a new holder's key
/// is created at a later revision, so its token is greater; every write only the holder may do compares it
/// (<see cref="Guard"/>). Operations never throw: unreachable etcd or no quorum answers null or false.
/// </summary>
public sealed class EtcdLocks(EtcdConnection etcd, EtcdKeys keys, string node, long leaseTtlSeconds) : IClusterLocks
{
    private readonly Action<TimeSpan> _sleep = Thread.Sleep;

    /// <summary>HA seconds per real second (local clusters run faster).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>The lease TTL of a lock, in real seconds.</summary>
    public long LeaseTtlSeconds => leaseTtlSeconds;

    /// <summary>The retry window of <see cref="TryAcquireRepeatedly"/>, in real seconds.</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public LockLease? TryAcquire(string name)
    {
        string key = keys.Lock(name);
        try
        {
            if (etcd.Get(key) is { } held)
            {
                if (held.Value.ToStringUtf8() != node) return null;
                if (etcd.KeepAlive(held.Lease)) return new LockLease(name, held.CreateRevision);
                // Our lease is gone (expired while we were away): the key goes with it; take it anew below.
            }
            long lease = etcd.Grant(leaseTtlSeconds);
            var response = etcd.Txn(EtcdOps.Txn([EtcdOps.Absent(key)], EtcdOps.Put(key, node, lease)));
            if (response.Succeeded) return new LockLease(name, response.Header.Revision);
            etcd.Revoke(lease);
            return null;
        }
        catch (HaEnvironmentException)
        {
            return null;
        }
    }

    /// <summary>Deletes the holder's key (only that very key: compared by its create revision) and creates ours,
    /// so the token changes even when we held it ourselves.</summary>
    public LockLease? TakeOver(string name)
    {
        string key = keys.Lock(name);
        try
        {
            if (etcd.Get(key) is { } held
                && !etcd.Txn(EtcdOps.Txn([EtcdOps.CreatedAt(key, held.CreateRevision)], EtcdOps.Delete(key))).Succeeded)
                return null;
            return TryAcquire(name);
        }
        catch (HaEnvironmentException)
        {
            return null;
        }
    }

    /// <summary>From the lock's lease: granted TTL minus remaining TTL is the time since its last keep-alive
    /// (real seconds, one-second resolution, judged by the etcd leader's clock), in HA seconds.</summary>
    public long? RenewedSecondsAgo(string name)
    {
        try
        {
            if (etcd.Get(keys.Lock(name)) is not { } held) return null;
            var (granted, remaining) = etcd.TimeToLive(held.Lease);
            if (remaining <= 0) return null;
            return (long)Math.Round((granted - remaining) * TimeScale);
        }
        catch (HaEnvironmentException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public LockLease? TryAcquireRepeatedly(string name)
    {
        var until = DateTime.UtcNow + RetryWindow;
        while (true)
        {
            if (TryAcquire(name) is { } lease) return lease;
            if (DateTime.UtcNow + TimeSpan.FromSeconds(1) > until) return null;
            _sleep(TimeSpan.FromSeconds(1));
        }
    }

    /// <inheritdoc/>
    public bool Release(string name)
    {
        string key = keys.Lock(name);
        try
        {
            if (etcd.Get(key) is not { } held || held.Value.ToStringUtf8() != node) return false;
            if (!etcd.Txn(EtcdOps.Txn([EtcdOps.CreatedAt(key, held.CreateRevision)], EtcdOps.Delete(key))).Succeeded) return false;
            etcd.Revoke(held.Lease);
            return true;
        }
        catch (HaEnvironmentException)
        {
            return false;
        }
    }

    /// <summary>The compares that make a transaction succeed only while <paramref name="lease"/> is the lock's
    /// current lease held by this node: its key still exists with the create revision of the token and our name.</summary>
    public IEnumerable<Compare> Guard(LockLease lease)
    {
        string key = keys.Lock(lease.Name);
        yield return EtcdOps.CreatedAt(key, lease.Token);
        yield return EtcdOps.ValueIs(key, node);
    }
}
