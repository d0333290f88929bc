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
    public const string DefaultSocket = "/run/systemd/journal/socket";

    private readonly string _identifier;
    private readonly TextWriter _fallback;
    private readonly Socket? _socket;
    private readonly string _pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Connects to <paramref name="socketPath"/> if it exists.</summary>
    public JournalLog(string identifier, string socketPath, TextWriter fallback)
    {
        _identifier = identifier;
        _fallback = fallback;
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

    /// <summary>True when entries go to the journal.</summary>
    public bool ToJournal => _socket is not null;

    /// <inheritdoc/>
    public void Write(int priority, string message, int? clientPid = null)
    {
        if (_socket is not null)
        {
            var entry = new StringBuilder();
            Field(entry, "MESSAGE", message);
            Field(entry, "PRIORITY", priority.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Field(entry, "SYSLOG_IDENTIFIER", _identifier);
            Field(entry, "SYSLOG_PID", _pid);
            if (clientPid is { } pid) Field(entry, "WATCHDOG_CLIENT_PID", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                _socket.Send(EncodeEntry(entry.ToString()));
                return;
            }
            catch (SocketException)
            {
                // Fall through to stderr: a log line must not be lost because journald is restarting.
            }
        }
        lock (_fallback) _fallback.WriteLine($"<{priority}>{message}");
    }

    private static void Field(StringBuilder entry, string key, string value) =>
        entry.Append(key).Append('\u0001').Append(value).Append('\u0002');

    /// <summary>Encodes fields (key U+0001 value U+0002 …) in the native format: <c>KEY=value\n</c>, or for
    /// values with a newline <c>KEY\n</c>, a 64-bit little-endian length, the bytes and <c>\n</c>.</summary>
    private static byte[] EncodeEntry(string fields)
    {
        using var buffer = new MemoryStream();
        foreach (var field in fields.Split('\u0002', StringSplitOptions.RemoveEmptyEntries))
        {
            int sep = field.IndexOf('\u0001');
            byte[] key = Encoding.UTF8.GetBytes(field[..sep]);
            byte[] value = Encoding.UTF8.GetBytes(field[(sep + 1)..]);
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

    /// <inheritdoc/>
    public void Dispose() => _socket?.Dispose();
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
