using System.Net.Sockets;

namespace HaManager.WatchdogMux;

/// <summary>A watchdog-mux client failed, with upstream's message.</summary>
public sealed class WatchdogClientException(string message) : Exception(message);

/// <summary>
/// The client side of watchdog-mux (lrm-watchdog-env §12.5), as the CRM and LRM daemons use it: open
/// connects (arming a software watchdog for this process), every update must come within the client
/// timeout, and close says a clean goodbye (<c>V</c>) so the node is not reset. One handle per process.
/// The socket is not inherited by child processes (.NET sockets are close-on-exec), so a started guest
/// never keeps the connection alive after the daemon died.
/// </summary>
public sealed class WatchdogClient : IDisposable
{
    private static int _openInProcess;
    private Socket? _socket;

    private WatchdogClient(Socket socket) => _socket = socket;

    /// <summary>Connects to the multiplexer. Throws <c>unable to open watchdog socket - …</c>, or
    /// <c>watchdog already open</c> when this process already holds one.</summary>
    public static WatchdogClient Open(string socketPath = "/run/watchdog-mux.sock")
    {
        if (Interlocked.CompareExchange(ref _openInProcess, 1, 0) != 0) throw new WatchdogClientException("watchdog already open");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return new WatchdogClient(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            Interlocked.Exchange(ref _openInProcess, 0);
            throw new WatchdogClientException($"unable to open watchdog socket - {e.Message}");
        }
    }

    /// <summary>Feeds the watchdog (one <c>\0</c> byte). Returns the error text, or null on success.</summary>
    public string? Update()
    {
        if (_socket is null) return "watchdog update failed - not open";
        try
        {
            int n = _socket.Send([0]);
            return n == 1 ? null : $"watchdog update failed - write {n} bytes";
        }
        catch (SocketException e)
        {
            return $"watchdog update failed - {e.Message}";
        }
    }

    /// <summary>Says goodbye (<c>V</c>) and disconnects. Returns the error text, or null on success.</summary>
    public string? Close()
    {
        if (_socket is null) return null;
        try
        {
            _socket.Send("V"u8);
            _socket.Shutdown(SocketShutdown.Both);
            return null;
        }
        catch (SocketException e)
        {
            return $"watchdog close failed - {e.Message}";
        }
        finally
        {
            _socket.Dispose();
            _socket = null;
            Interlocked.Exchange(ref _openInProcess, 0);
        }
    }

    /// <summary>Disconnects without goodbye (the node will be reset): what a crash looks like.</summary>
    public void Dispose()
    {
        if (_socket is null) return;
        _socket.Dispose();
        _socket = null;
        Interlocked.Exchange(ref _openInProcess, 0);
    }
}
