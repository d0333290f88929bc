using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HaManager.WatchdogMux;

/// <summary>
/// The multiplexer loop (lrm-watchdog-env §12.2–§12.4): accepts clients on the socket, treats any byte
/// from a client as an update and a final <c>V</c> as a clean goodbye, and feeds the device once per
/// second while every client is healthy. A client that disconnects without goodbye or goes silent for
/// longer than the client timeout stops the feeding; the loop then ends and the process exits without
/// magic close, so the device resets the node.
/// </summary>
public sealed class Multiplexer
{
    /// <summary>Client slots (upstream: 100 minus the listen socket and the signal fd).</summary>
    public const int MaxClients = 98;

    private sealed class Client(Socket socket, int pid, long now)
    {
        public Socket? Socket { get; set; } = socket;
        public int Pid { get; } = pid;
        public long LastUpdateMs { get; set; } = now;
        public bool MagicClose { get; set; }
        public bool Warned { get; set; }
    }

    private readonly MuxOptions _options;
    private readonly IWatchdogDevice _device;
    private readonly IMuxLog _log;
    private readonly Func<long> _clockMs;
    private readonly List<Client> _clients = [];
    private readonly byte[] _buffer = new byte[4096];
    private Socket? _listen;
    private bool _feeding = true;
    private volatile bool _terminate;

    /// <summary>Creates the loop over an opened and configured device.</summary>
    public Multiplexer(MuxOptions options, IWatchdogDevice device, IMuxLog log, Func<long>? clockMs = null)
    {
        _options = options;
        _device = device;
        _log = log;
        _clockMs = clockMs ?? (() => Environment.TickCount64);
    }

    /// <summary>Asks the loop to end after the current batch of events (SIGTERM/SIGINT).</summary>
    public void RequestTermination()
    {
        _log.Write(6, "got terminate request");
        _terminate = true;
    }

    private void Info(string message, int? pid = null) => _log.Write(6, message, pid);

    private void Error(string message, int? pid = null) => _log.Write(3, message, pid);

    /// <summary>Binds the socket (mode 0600: root only) and listens.</summary>
    public void Listen()
    {
        string step = "socket create";
        try
        {
            File.Delete(_options.SocketPath);
            _listen = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            step = "socket bind";
            _listen.Bind(new UnixDomainSocketEndPoint(_options.SocketPath));
            File.SetUnixFileMode(_options.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            step = "socket listen";
            _listen.Listen(32);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            throw new DeviceException(step, e.Message);
        }
    }

    /// <summary>Runs until feeding stops or termination is requested; returns the exit code.</summary>
    public int Run()
    {
        long lastTick = _clockMs();
        var readable = new List<Socket>();
        while (true)
        {
            readable.Clear();
            readable.Add(_listen!);
            foreach (var c in _clients)
                if (c.Socket is { } s) readable.Add(s);
            long waitMs = Math.Clamp(1000 - (_clockMs() - lastTick), 0, 1000);
            try { Socket.Select(readable, null, null, (int)(waitMs * 1000)); }
            catch (SocketException e)
            {
                Error($"epoll_pwait: {e.Message}");
                return Abort();
            }

            foreach (var socket in readable)
            {
                bool ok = socket == _listen ? Accept() : Receive(socket);
                if (!ok) return Abort();
            }

            // Timers run once per second even while clients are busy, so a chatty client cannot starve
            // the device (upstream ticks only on idle wake-ups).
            if (_clockMs() - lastTick >= 1000)
            {
                lastTick = _clockMs();
                if (_feeding) Tick();
            }
            if (!_feeding || _terminate) break;
        }
        return Shutdown();
    }

    private int ActiveClients() => _clients.Count;

    private bool Accept()
    {
        Socket socket;
        try { socket = _listen!.Accept(); }
        catch (SocketException e)
        {
            Error($"accept: {e.Message}");
            return false;
        }
        socket.Blocking = false;
        var (pid, uid) = PeerCredentials(socket);
        if (uid != 0)
        {
            // The socket is mode 0600, so only root gets here; refuse anyone else all the same.
            Error($"refusing client (PID {pid}): uid {uid} is not root", pid);
            socket.Dispose();
            return true;
        }
        if (_clients.Count >= MaxClients)
        {
            Error("unable to alloc wd_client structure");
            return false;
        }
        _clients.Add(new Client(socket, pid, _clockMs()));
        try
        {
            Directory.CreateDirectory(_options.ActiveMarkerPath);
            File.SetUnixFileMode(_options.ActiveMarkerPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Upstream ignores marker errors too: the marker only guards restarts.
        }
        Info($"added new client (PID {pid}) to watch", pid);
        RecordClient("open", pid);
        return true;
    }

    private static (int Pid, uint Uid) PeerCredentials(Socket socket)
    {
        Span<byte> cred = stackalloc byte[12];
        try
        {
            int n = socket.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, cred);
            if (n < 12) return (0, 0);
            return (MemoryMarshal.Read<int>(cred), MemoryMarshal.Read<uint>(cred[4..]));
        }
        catch (SocketException)
        {
            return (0, 0);
        }
    }

    private bool Receive(Socket socket)
    {
        var client = _clients.First(c => c.Socket == socket);
        int n = socket.Receive(_buffer, 0, _buffer.Length, SocketFlags.None, out SocketError error);
        if (error is SocketError.WouldBlock) return true;
        if (error is not (SocketError.Success or SocketError.ConnectionReset))
        {
            Error($"read: {error}", client.Pid);
            return false;
        }
        if (n > 0 && error == SocketError.Success)
        {
            client.LastUpdateMs = _clockMs();
            client.MagicClose = _buffer[n - 1] == (byte)'V';
            return true;
        }
        Disconnect(client);
        return true;
    }

    private void Disconnect(Client client)
    {
        client.Socket!.Dispose();
        client.Socket = null;
        if (client.MagicClose)
        {
            Info($"client (PID {client.Pid}) has disconnected cleanly. Removing it gracefully from the watch", client.Pid);
            RecordClient("close", client.Pid);
            _clients.Remove(client);
        }
        else
        {
            // The slot stays: a client that vanished without saying goodbye keeps the node from being
            // fed until the reset.
            Error($"client (PID {client.Pid}) did not stop watchdog - disable watchdog updates", client.Pid);
            RecordClient("vanished", client.Pid);
            StopFeeding(client, "disconnected", (_clockMs() - client.LastUpdateMs) / 1000);
            JournalLog.SyncJournal();
        }
        if (ActiveClients() == 0)
        {
            Info("all watchdog client connections to the multiplexer closed");
            try { Directory.Delete(_options.ActiveMarkerPath); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Appends a client's arrival or departure to the client record (when one is configured): the
    /// evidence, independent of the daemons, of when each of them had the watchdog armed.</summary>
    private void RecordClient(string what, int pid)
    {
        if (_options.ClientRecordPath.Length == 0) return;
        try
        {
            File.AppendAllText(_options.ClientRecordPath,
                $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {what} {pid} {PostMortemRecord.CommandLineOf(pid)}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error($"cannot append to the client record '{_options.ClientRecordPath}' - {e.Message}");
        }
    }

    /// <summary>Stops feeding the device: the node resets. The first time, the reason goes to the post-mortem file
    /// (synced to disk) so that the next boot can tell who stopped and when.</summary>
    private void StopFeeding(Client client, string reason, long silentSeconds)
    {
        if (!_feeding) return;
        _feeding = false;
        if (_options.PostMortemPath.Length == 0) return;
        try
        {
            PostMortemRecord.Write(_options.PostMortemPath, new PostMortemRecord(
                DateTimeOffset.UtcNow.ToUnixTimeSeconds(), reason, client.Pid, PostMortemRecord.CommandLineOf(client.Pid), silentSeconds));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error($"cannot write the post-mortem to '{_options.PostMortemPath}' - {e.Message}");
        }
    }

    private void Tick()
    {
        long now = _clockMs();
        foreach (var client in _clients)
        {
            long age = (now - client.LastUpdateMs) / 1000;
            if (client.Warned && age <= _options.ClientWarningSeconds)
            {
                client.Warned = false;
                Info($"client (PID {client.Pid}) watchdog was updated before expiring", client.Pid);
            }
            if (!client.Warned && age > _options.ClientWarningSeconds)
            {
                client.Warned = true;
                _log.Write(4, $"client (PID {client.Pid}) watchdog is about to expire", client.Pid);
                JournalLog.SyncJournal();
            }
            if (age > _options.ClientTimeoutSeconds)
            {
                Error($"client (PID {client.Pid}) watchdog expired - disable watchdog updates", client.Pid);
                RecordClient("expired", client.Pid);
                StopFeeding(client, "expired", age);
            }
        }
        if (!_feeding) return;
        try { _device.KeepAlive(); }
        catch (DeviceException e) { Error(e.Message); }
    }

    private int Shutdown()
    {
        if (ActiveClients() > 0)
        {
            Error("exit watchdog-mux with active connections");
            JournalLog.SyncJournal();
            _device.CloseArmed();
        }
        else
        {
            Info("clean exit");
            try { _device.MagicClose(); }
            catch (DeviceException e) { Error(e.Message); }
        }
        Cleanup();
        return 0;
    }

    /// <summary>An error exit: no magic close, the armed device resets the node.</summary>
    private int Abort()
    {
        _device.CloseArmed();
        Cleanup();
        return 1;
    }

    private void Cleanup()
    {
        foreach (var c in _clients) c.Socket?.Dispose();
        _listen?.Dispose();
        try { File.Delete(_options.SocketPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
