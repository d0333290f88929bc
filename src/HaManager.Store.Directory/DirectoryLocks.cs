using System.Globalization;
using HaManager.Core;
using HaManager.Core.Environment;

namespace HaManager.Store.Directory;

/// <summary>
/// Cluster locks on the store directory with pmxcfs semantics: a lock is a directory under
/// <c>priv/lock/</c>, created by <c>mkdir</c>; its mtime is the last renewal; a lock not renewed for its
/// lifetime may be taken over. Every operation runs under one <c>flock</c> guard, so check-and-take is
/// atomic between processes and threads: a renewal and a takeover can never interleave. The lock
/// directory holds an <c>owner</c> file (<c>node token</c>): the fencing token, issued from a counter,
/// greater for every new holder, checked by every write only the holder may do.
/// </summary>
public sealed class DirectoryLocks(DirectoryLayout layout, string node, IClock clock, SafetyBudget budget,
    Func<bool> quorate, Action<TimeSpan>? sleep = null) : IClusterLocks
{
    private static readonly TimeSpan GuardTimeout = TimeSpan.FromSeconds(5);
    private readonly Action<TimeSpan> _sleep = sleep ?? Thread.Sleep;

    /// <inheritdoc/>
    public LockLease? TryAcquire(string name) => Acquire(name, takeOver: false);

    /// <inheritdoc/>
    public LockLease? TakeOver(string name) => Acquire(name, takeOver: true);

    /// <inheritdoc/>
    public long? RenewedSecondsAgo(string name)
    {
        try
        {
            string dir = layout.Lock(name);
            if (ReadOwner(dir) is null) return null;
            long ago = clock.WallSeconds - Mtime(dir);
            return ago <= budget.LockLifetimeSeconds ? Math.Max(0, ago) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private LockLease? Acquire(string name, bool takeOver)
    {
        if (!quorate()) return null;
        try
        {
            using var guard = StoreFiles.Lock(layout.LockGuard, GuardTimeout);
            long now = clock.WallSeconds;
            string dir = layout.Lock(name);
            if (ReadOwner(dir) is var (holder, token))
            {
                long age = now - Mtime(dir);
                if (holder == node && age <= budget.LockLifetimeSeconds && !takeOver)
                {
                    Touch(dir, now);
                    return new LockLease(name, token);
                }
                if (age <= budget.LockLifetimeSeconds && !takeOver) return null;
            }
            // Free, or expired: whoever held it has certainly reset by now (the safety budget); or taken over
            // from a holder proven off.
            long next = NextToken();
            System.IO.Directory.CreateDirectory(dir);
            StoreFiles.Write(Path.Combine(dir, "owner"), $"{node} {next.ToString(CultureInfo.InvariantCulture)}\n");
            Touch(dir, now);
            return new LockLease(name, next);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public LockLease? TryAcquireRepeatedly(string name)
    {
        int attempts = budget.LockRetryWindowSeconds + 1;
        for (int attempt = 1; ; attempt++)
        {
            if (TryAcquire(name) is { } lease) return lease;
            if (attempt >= attempts) return null;
            _sleep(TimeSpan.FromSeconds(1));
        }
    }

    /// <inheritdoc/>
    public bool Release(string name)
    {
        if (!quorate()) return false;
        try
        {
            using var guard = StoreFiles.Lock(layout.LockGuard, GuardTimeout);
            string dir = layout.Lock(name);
            if (ReadOwner(dir) is not var (holder, _) || holder != node) return false;
            System.IO.Directory.Delete(dir, recursive: true);
            StoreFiles.SyncDirectory(layout.Locks);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="write"/> only while <paramref name="lease"/> is the lock's current lease,
    /// held by this node and not expired; the guard is held throughout, so no takeover can slip in
    /// between the check and the write. Throws <see cref="HaEnvironmentException"/> otherwise.</summary>
    public void WhileHeld(LockLease lease, Action write)
    {
        using var guard = StoreFiles.Lock(layout.LockGuard, GuardTimeout);
        string dir = layout.Lock(lease.Name);
        bool held = ReadOwner(dir) is var (holder, token) && holder == node && token == lease.Token
            && clock.WallSeconds - Mtime(dir) <= budget.LockLifetimeSeconds;
        if (!held)
            throw new HaEnvironmentException($"lock '{lease.Name}' (token {lease.Token}) is no longer held - refusing to write\n");
        write();
    }

    private static (string Node, long Token)? ReadOwner(string dir)
    {
        string? text = StoreFiles.Read(Path.Combine(dir, "owner"));
        if (text is null) return System.IO.Directory.Exists(dir) ? ("", 0) : null;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long token)
            ? (parts[0], token) : ("", 0);
    }

    private long NextToken()
    {
        string? text = StoreFiles.Read(layout.LockTokens);
        long last = long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;
        StoreFiles.Write(layout.LockTokens, (last + 1).ToString(CultureInfo.InvariantCulture) + "\n");
        return last + 1;
    }

    private static long Mtime(string dir) =>
        (long)(System.IO.Directory.GetLastWriteTimeUtc(dir) - DateTime.UnixEpoch).TotalSeconds;

    /// <summary>The renewal: the lock directory's mtime becomes now (pmxcfs: <c>utime</c>).</summary>
    private static void Touch(string dir, long now) =>
        System.IO.Directory.SetLastWriteTimeUtc(dir, DateTime.UnixEpoch.AddSeconds(now));
}
