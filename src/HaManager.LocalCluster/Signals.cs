using System.Runtime.InteropServices;

namespace HaManager.LocalCluster;

/// <summary>
/// Ctrl-C, SIGTERM and SIGHUP for the commands that own a cluster of node processes. Since .NET 10 the runtime no
/// longer turns SIGTERM into <see cref="AppDomain.ProcessExit"/> (a killed campaign left its nodes running), so the
/// signals are registered directly.
/// </summary>
public static class Signals
{
    private static readonly PosixSignal[] Ending = [PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP];

    /// <summary>Runs <paramref name="cleanup"/> on any of them; the process then ends as the signal asks.</summary>
    public static IDisposable CleanUpOn(Action cleanup) => Register(_ => cleanup());

    /// <summary>Runs <paramref name="stop"/> on any of them instead of ending the process (a foreground loop stops).</summary>
    public static IDisposable StopOn(Action stop) => Register(context =>
    {
        context.Cancel = true;
        stop();
    });

    private static Registrations Register(Action<PosixSignalContext> handler) =>
        new(Ending.Select(s => PosixSignalRegistration.Create(s, handler)).ToList());

    private sealed class Registrations(List<PosixSignalRegistration> all) : IDisposable
    {
        public void Dispose() => all.ForEach(r => r.Dispose());
    }
}
