using System.Globalization;
using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.LocalCluster;

/// <summary>
/// A chaos run's watch on the store itself, independent of the daemons: the manager status is read every few
/// hundred milliseconds, and every read must parse — whatever was killed, frozen or cut mid-write. A store that
/// cannot be reached (no quorum, etcd down) is no finding; a status that reads but does not parse is. On etcd
/// each sample also checks that no deposed master's write landed (<see cref="EtcdFencing"/>).
/// </summary>
public sealed class StoreHistory(Func<ManagerStatus> read, Func<string?>? fencing = null)
{
    /// <summary>The fencing check on etcd, from etcd's own revisions: read in one transaction, the manager status
    /// (its <c>meta</c> key) and <c>ha_manager_lock</c>; a status naming another master than the lock's holder,
    /// written after that holder took the lock, is a write of a deposed master that landed — exactly what the
    /// lock's fencing token must prevent. Null: nothing wrong (or nothing to compare yet).</summary>
    public static Func<string?> EtcdFencing(Store.Etcd.EtcdStore store) => () =>
    {
        var keys = store.Keys;
        var response = store.Connection.Txn(Store.Etcd.EtcdOps.Txn([],
            Store.Etcd.EtcdOps.Range(keys.ManagerStatusMeta), Store.Etcd.EtcdOps.Range(keys.Lock("ha_manager_lock"))));
        var meta = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
        var holder = response.Responses[1].ResponseRange.Kvs.FirstOrDefault();
        if (meta is null || holder is null) return null;
        string? writer = Core.Formats.StatusJson.ParseManagerStatus(meta.Value.ToStringUtf8()).MasterNode;
        string owner = holder.Value.ToStringUtf8();
        return writer != owner && meta.ModRevision > holder.CreateRevision
            ? $"fencing: the manager status was written by {writer} at revision {meta.ModRevision}, after {owner} took ha_manager_lock (revision {holder.CreateRevision})"
            : null;
    };

    /// <summary>The words a store's parse failure of the manager status starts with (both stores).</summary>
    public const string Unparsable = "unable to read manager status";

    private readonly Lock _gate = new();

    /// <summary>Reads that returned a status.</summary>
    public int Parsed { get; private set; }

    /// <summary>Reads the store could not answer (unreachable, no quorum).</summary>
    public int Unavailable { get; private set; }

    /// <summary>The first read that did not parse, with its time; null while every read parsed.</summary>
    public string? Violation { get; private set; }

    /// <summary>One read.</summary>
    public void Sample()
    {
        try
        {
            read();
            string? deposed = fencing?.Invoke();
            lock (_gate)
            {
                Parsed++;
                if (deposed is not null) Violation ??= $"store history at {DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}: {deposed}";
            }
        }
        catch (HaEnvironmentException e) when (e.Message.StartsWith(Unparsable, StringComparison.Ordinal))
        {
            lock (_gate)
                Violation ??= $"store history: the manager status did not parse at {DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} ({e.Message})";
        }
        catch (HaEnvironmentException)
        {
            lock (_gate) Unavailable++;
        }
    }

    /// <summary>Samples every <paramref name="period"/> on a background thread until <paramref name="stop"/>.</summary>
    public Thread Watch(TimeSpan period, CancellationToken stop)
    {
        var thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Sample();
                stop.WaitHandle.WaitOne(period);
            }
        }) { IsBackground = true, Name = "store history" };
        thread.Start();
        return thread;
    }
}
