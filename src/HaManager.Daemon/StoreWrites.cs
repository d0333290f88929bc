using HaManager.Core.Environment;

namespace HaManager.Daemon;

/// <summary>Writes a daemon makes once, whenever the store takes them (a node may boot without quorum).</summary>
public static class StoreWrites
{
    /// <summary>Runs <paramref name="write"/> on a worker until it succeeds: every two seconds while the store
    /// refuses (not quorate, unreachable) or a file operation fails, for at most <paramref name="patience"/>.</summary>
    public static void RetryInBackground(Action write, TimeSpan patience, CancellationToken stop) => Task.Run(async () =>
    {
        var started = DateTime.UtcNow;
        while (!stop.IsCancellationRequested && DateTime.UtcNow - started < patience)
        {
            try
            {
                write();
                return;
            }
            catch (Exception e) when (e is HaEnvironmentException or IOException or UnauthorizedAccessException)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }, stop);
}
