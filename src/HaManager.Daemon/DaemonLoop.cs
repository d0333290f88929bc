using HaManager.Configuration;
using HaManager.Core.Environment;
using Microsoft.Extensions.Hosting;

namespace HaManager.Daemon;

/// <summary>What the loop drives: a CRM or LRM machine.</summary>
/// <param name="Iterate">One iteration.</param>
/// <param name="ShutdownRequest">The machine's shutdown request (SIGTERM).</param>
public sealed record HostedMachine(Func<NextRun> Iterate, Action ShutdownRequest);

/// <summary>
/// Hosts a machine on the real (scaled) clock: iterate, wait as the iteration asks (cancellably),
/// repeat until it exits. A stop request (SIGTERM, systemd stop) is handed to the machine as its
/// shutdown request and the loop goes on until the machine itself exits — an LRM stops its services
/// first, as upstream's daemons do; the host waits (its shutdown timeout is long on purpose). The
/// machine runs on one dedicated thread: it is not thread-safe and its calls may block briefly.
/// </summary>
public sealed class DaemonLoop(HostedMachine machine, ScaledClock clock, IHostApplicationLifetime lifetime, IHaLog log,
    SemaphoreSlim? wakeEarly = null) : IHostedService
{
    private readonly ManualResetEventSlim _wake = new();
    private volatile bool _stopRequested;
    private Thread? _thread;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How the loop ended: 0, or 1 after an unexpected error.</summary>
    public int ExitCode { get; private set; }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        log.Write(LogLevel.Info, "starting server");
        _thread = new Thread(Run) { Name = "ha machine", IsBackground = true };
        _thread.Start();
        return Task.CompletedTask;
    }

    private void Run()
    {
        bool delivered = false;
        try
        {
            while (true)
            {
                if (_stopRequested && !delivered)
                {
                    delivered = true;
                    machine.ShutdownRequest();
                }
                var next = machine.Iterate();
                if (next.Exit) break;
                var wait = clock.RealTime(next.WaitSeconds(clock.MonotonicSeconds));
                _wake.Reset();
                if (_stopRequested && !delivered) continue;
                if (wakeEarly is null) _wake.Wait(wait);
                else
                {
                    // A finished job wakes the loop early, so its result is reported and the next queued
                    // job starts at once (upstream's worker pass polls its workers every second for that).
                    WaitHandle.WaitAny([_wake.WaitHandle, wakeEarly.AvailableWaitHandle], wait);
                    while (wakeEarly.Wait(0)) { }
                }
            }
            log.Write(LogLevel.Info, "server stopped");
        }
        catch (Exception e)
        {
            // A bug: say what, and leave; systemd restarts the daemon, the watchdog protects the node.
            log.Write(LogLevel.Err, $"ERROR: {e.Message}");
            ExitCode = 1;
        }
        _done.TrySetResult();
        lifetime.StopApplication();
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_stopRequested) log.Write(LogLevel.Info, "received signal TERM");
        _stopRequested = true;
        _wake.Set();
        await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
