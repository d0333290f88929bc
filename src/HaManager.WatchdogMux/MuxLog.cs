using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace HaManager.WatchdogMux;

/// <summary>Where the multiplexer's messages go.</summary>
public interface IMuxLog
{
    /// <summary>Logs one message at a syslog priority (3 err, 4 warning, 6 info), with the client's PID if it concerns one.</summary>
    void Write(int priority, string message, int? clientPid = null);
}

/// <summary>
/// Log lines to the systemd journal over its native protocol (platform §4.2) with
/// <c>SYSLOG_IDENTIFIER</c>, <c>PRIORITY</c> and the client PID as <c>WATCHDOG_CLIENT_PID</c>; to stderr
/// when there is no journal socket (or sending fails), with sd-daemon's <c>&lt;N&gt;</c> priority prefix
/// so systemd's stream capture keeps the priority.
/// </summary>
public sealed class JournalLog : IMuxLog, IDisposable
{
    /// <summary>The journal's native socket.</summary>
    public const string DefaultSocket = JournalWriter.DefaultSocket;

    private readonly string _identifier;
    private readonly TextWriter _fallback;
    private readonly JournalWriter _journal;
    private readonly string _pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Connects to <paramref name="socketPath"/> if it exists.</summary>
    public JournalLog(string identifier, string socketPath, TextWriter fallback)
    {
        _identifier = identifier;
        _fallback = fallback;
        _journal = new JournalWriter(socketPath);
    }

    /// <summary>True when entries go to the journal.</summary>
    public bool ToJournal => _journal.Connected;

    /// <inheritdoc/>
    public void Write(int priority, string message, int? clientPid = null)
    {
        var fields = new List<(string, string)>
        {
            ("MESSAGE", message), ("PRIORITY", priority.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("SYSLOG_IDENTIFIER", _identifier), ("SYSLOG_PID", _pid),
        };
        if (clientPid is { } pid) fields.Add(("WATCHDOG_CLIENT_PID", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // A log line must not be lost because journald is restarting: stderr then.
        if (_journal.Send(fields)) return;
        lock (_fallback) _fallback.WriteLine($"<{priority}>{message}");
    }

    /// <inheritdoc/>
    public void Dispose() => _journal.Dispose();

    /// <summary>Asks journald to write everything to disk before an expected reset (<c>journalctl --sync</c>,
    /// not waited for).</summary>
    public static void SyncJournal()
    {
        const string journalctl = "/bin/journalctl";
        if (!File.Exists(journalctl)) return;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(journalctl, "--sync")
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Nothing to do: the reset goes ahead either way.
        }
    }
}

/// <summary>sd_notify over <c>$NOTIFY_SOCKET</c> (platform §5.1).</summary>
public static class SdNotify
{
    /// <summary>Sends <paramref name="state"/> (e.g. <c>READY=1</c>) if a notify socket is set; false otherwise.</summary>
    public static bool Notify(string state)
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path)) return false;
        if (path[0] == '@') path = "\0" + path[1..];
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>
/// journald's native protocol: one datagram per entry on <c>/run/systemd/journal/socket</c>, each field
/// <c>KEY=value\n</c>, or for values with a newline <c>KEY\n</c>, a 64-bit little-endian length, the bytes
/// and <c>\n</c>. Written by hand: Serilog.Sinks.Journal and Tmds.Systemd are not on our package feed.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    /// <summary>The journal's native socket.</summary>
    public const string DefaultSocket = "/run/systemd/journal/socket";

    private readonly Socket? _socket;

    /// <summary>Connects to <paramref name="socketPath"/> if it exists.</summary>
    public JournalWriter(string socketPath)
    {
        if (!File.Exists(socketPath)) return;
        try
        {
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            _socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }

    /// <summary>True when a journal socket was found.</summary>
    public bool Connected => _socket is not null;

    /// <summary>Sends one entry; false when there is no journal or it refused the datagram.</summary>
    public bool Send(IEnumerable<(string Key, string Value)> fields)
    {
        if (_socket is null) return false;
        try
        {
            _socket.Send(Encode(fields));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The datagram of one entry.</summary>
    public static byte[] Encode(IEnumerable<(string Key, string Value)> fields)
    {
        using var buffer = new MemoryStream();
        foreach (var (k, v) in fields)
        {
            byte[] key = Encoding.UTF8.GetBytes(k);
            byte[] value = Encoding.UTF8.GetBytes(v);
            buffer.Write(key);
            if (Array.IndexOf(value, (byte)'\n') < 0)
            {
                buffer.WriteByte((byte)'=');
                buffer.Write(value);
            }
            else
            {
                buffer.WriteByte((byte)'\n');
                buffer.Write(BitConverter.GetBytes((ulong)value.Length));
                buffer.Write(value);
            }
            buffer.WriteByte((byte)'\n');
        }
        return buffer.ToArray();
    }

    /// <inheritdoc/>
    public void Dispose() => _socket?.Dispose();
}
