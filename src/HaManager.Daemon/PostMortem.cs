using System.Globalization;
using System.Text;
using HaManager.Core.Environment;
using HaManager.Store;
using HaManager.WatchdogMux;

namespace HaManager.Daemon;

/// <summary>
/// The daemon's own memory of what went wrong, for the post-mortem of a self-fence: one line per event
/// (<c>&lt;unix time&gt; &lt;what&gt;</c>), synced to disk at once — the node may reset a moment later. Only changes are
/// written (a lock lost, quorum lost or back), never one line per round. Kept to the last 50 events.
/// </summary>
public sealed class NodeEvents(string path, string daemon)
{
    private const int Keep = 50;
    private readonly object _gate = new();

    /// <summary>The daemon whose events these are (<c>ha-lrm</c>, <c>ha-crm</c>).</summary>
    public string Daemon => daemon;

    /// <summary>Appends one event; never throws (a full disk must not stop the daemon).</summary>
    public void Record(string what)
    {
        lock (_gate)
        {
            try
            {
                if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
                var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [];
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()} {what}"));
                string temp = path + ".tmp";
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
                {
                    file.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines.TakeLast(Keep)) + "\n"));
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing to be done: the post-mortem will lack this line.
            }
        }
    }

    /// <summary>The events of a file: time and text; empty when there is none.</summary>
    public static IReadOnlyList<(long Time, string What)> Read(string path)
    {
        try
        {
            return File.ReadAllLines(path).Select(l => l.Split(' ', 2))
                .Where(p => p.Length == 2 && long.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                .Select(p => (long.Parse(p[0], CultureInfo.InvariantCulture), p[1])).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>The store's locks, noting in the events when a lock this daemon held could not be renewed.</summary>
public sealed class RecordingLocks(IClusterLocks inner, NodeEvents events) : IClusterLocks
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);

    private LockLease? Note(string name, LockLease? result)
    {
        lock (_held)
        {
            if (result is not null) _held.Add(name);
            else if (_held.Remove(name)) events.Record($"lost lock '{name}'");
        }
        return result;
    }

    /// <inheritdoc/>
    public LockLease? TryAcquire(string name) => Note(name, inner.TryAcquire(name));

    /// <inheritdoc/>
    public LockLease? TryAcquireRepeatedly(string name) => Note(name, inner.TryAcquireRepeatedly(name));

    /// <inheritdoc/>
    public bool Release(string name)
    {
        lock (_held) _held.Remove(name);
        return inner.Release(name);
    }

    /// <inheritdoc/>
    public LockLease? TakeOver(string name) => inner.TakeOver(name);

    /// <inheritdoc/>
    public long? RenewedSecondsAgo(string name) => inner.RenewedSecondsAgo(name);
}

/// <summary>The store's membership, noting in the events when this node loses or regains quorum.</summary>
public sealed class RecordingMembership(IMembership inner, NodeEvents events) : IMembership
{
    private bool? _quorate;

    /// <inheritdoc/>
    public bool IsQuorate()
    {
        bool quorate = inner.IsQuorate();
        if (_quorate is { } before && before != quorate) events.Record(quorate ? "regained quorum" : "lost quorum");
        _quorate = quorate;
        return quorate;
    }

    /// <inheritdoc/>
    public NodeInfo GetNodeInfo() => inner.GetNodeInfo();

    /// <inheritdoc/>
    public string? GetNodeVersion(string node) => inner.GetNodeVersion(node);

    /// <inheritdoc/>
    public NodeShutdownInfo IsNodeShutdown() => inner.IsNodeShutdown();
}

/// <summary>
/// After a boot, tells why the node last fenced itself (issue "fencing you can trust", post-mortem): from
/// watchdog-mux's record — which daemon went silent or vanished, and when — and the daemons' events just
/// before it (lock and quorum losses). The LRM publishes the text to the store, where
/// <c>ha-manager status --verbose</c> and <c>explain</c> show it, then marks the record reported.
/// </summary>
public static class PostMortem
{
    /// <summary>watchdog-mux's record in the post-mortem directory.</summary>
    public static string MuxRecord(string dir) => Path.Combine(dir, "watchdog-mux");

    /// <summary>A daemon's events file in the post-mortem directory.</summary>
    public static string Events(string dir, string daemon) => Path.Combine(dir, daemon + ".events");

    private static string Time(long unix) =>
        DateTimeOffset.FromUnixTimeSeconds(unix).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The sentence for <paramref name="node"/>, or null when watchdog-mux left no record (no self-fence).
    /// Events of the ten minutes before the reset are told, oldest first.</summary>
    public static string? Compose(string dir, string node)
    {
        if (PostMortemRecord.Read(MuxRecord(dir)) is not { } record) return null;
        string cause = record.Reason == "disconnected"
            ? $"{record.Daemon} (PID {record.ClientPid}) vanished from watchdog-mux without a goodbye"
            : $"{record.Daemon} (PID {record.ClientPid}) stopped updating its watchdog ({record.SilentSeconds} s silent)";
        var before = new[] { "ha-lrm", "ha-crm" }
            .SelectMany(d => NodeEvents.Read(Events(dir, d)).Select(e => (e.Time, Text: $"{d} {e.What} at {Time(e.Time)}")))
            .Where(e => e.Time <= record.Time && e.Time >= record.Time - 600).OrderBy(e => e.Time).Select(e => e.Text).ToList();
        return $"{node} self-fenced at {Time(record.Time)}: {cause}"
            + (before.Count > 0 ? $" - before that: {string.Join(", ", before)}" : "");
    }

    /// <summary>Publishes the post-mortem of the last self-fence, if there is one not yet reported: logs it, then
    /// retries the store (which may not be quorate this early) every two seconds for up to ten minutes.</summary>
    public static void PublishAfterBoot(string dir, string node, IHaStore store, IHaLog log, CancellationToken stop)
    {
        if (Compose(dir, node) is not { } text) return;
        log.Write(LogLevel.Notice, $"post-mortem of the last self-fence: {text}");
        StoreWrites.RetryInBackground(() =>
        {
            store.PublishPostMortem(text);
            File.Move(MuxRecord(dir), MuxRecord(dir) + ".reported", overwrite: true);
        }, TimeSpan.FromMinutes(10), stop);
    }
}
