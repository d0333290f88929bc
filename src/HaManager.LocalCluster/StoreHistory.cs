using System.Globalization;
using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.LocalCluster;

/// <summary>
/// A chaos run's watch on the store itself, independent of the daemons: the manager status is read every few
/// hundred milliseconds, and every read must parse — whatever was killed, frozen or cut mid-write. A store that
/// cannot be reached (no quorum, etcd down) is no finding; a status that reads but does not parse is.
/// </summary>
public sealed class StoreHistory(Func<ManagerStatus> read)
{
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
            lock (_gate) Parsed++;
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
