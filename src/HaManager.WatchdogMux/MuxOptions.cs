using System.Globalization;

namespace HaManager.WatchdogMux;

/// <summary>
/// The multiplexer's settings: command-line options, each also settable in the environment (as in
/// <c>/etc/default/pve-ha-manager</c>); the command line wins.
/// </summary>
public sealed record MuxOptions
{
    /// <summary>Client socket. Default <c>/run/watchdog-mux.sock</c>; env <c>WATCHDOG_MUX_SOCKET</c>.</summary>
    public string SocketPath { get; init; } = "/run/watchdog-mux.sock";

    /// <summary>Watchdog device. Default <c>/dev/watchdog</c>; env <c>WATCHDOG_MUX_DEVICE</c>.</summary>
    public string DevicePath { get; init; } = "/dev/watchdog";

    /// <summary>Marker directory that exists while clients are connected. Default <c>/run/watchdog-mux.active</c>;
    /// env <c>WATCHDOG_MUX_ACTIVE_MARKER</c>.</summary>
    public string ActiveMarkerPath { get; init; } = "/run/watchdog-mux.active";

    /// <summary>Seconds without update after which a client counts as dead. Default 60; env
    /// <c>WATCHDOG_MUX_CLIENT_TIMEOUT</c>. The warning comes at five sixths (50 s of 60).</summary>
    public int ClientTimeoutSeconds { get; init; } = 60;

    /// <summary>Reset timeout programmed into the device. Default 10; env <c>WATCHDOG_MUX_DEVICE_TIMEOUT</c>.</summary>
    public int DeviceTimeoutSeconds { get; init; } = 10;

    /// <summary>The device is a plain file or FIFO: no ioctls, a keep-alive writes one byte. Env
    /// <c>WATCHDOG_MUX_NO_IOCTL=1</c>.</summary>
    public bool NoIoctl { get; init; }

    /// <summary>Kernel module to load when the device is missing; env <c>WATCHDOG_MODULE</c> (default softdog).</summary>
    public string? WatchdogModule { get; init; }

    /// <summary>Journal socket; env <c>WATCHDOG_MUX_JOURNAL_SOCKET</c> (tests point it at a fake journal).</summary>
    public string JournalSocket { get; init; } = JournalLog.DefaultSocket;

    /// <summary>Where the reason of a self-fence is written before the device fires (which client went silent or
    /// vanished, and when), for the next boot to report; empty: nowhere. Default
    /// <c>/var/lib/hamanager/post-mortem/watchdog-mux</c>; env <c>WATCHDOG_MUX_POST_MORTEM</c>.</summary>
    public string PostMortemPath { get; init; } = "/var/lib/hamanager/post-mortem/watchdog-mux";

    /// <summary>Where every client's arrival and departure is appended (<c>EPOCH-MS open|close|vanished|expired PID
    /// COMMAND…</c>), the evidence of when each daemon had the watchdog armed; empty (the default): nowhere. Env
    /// <c>WATCHDOG_MUX_CLIENT_RECORD</c>.</summary>
    public string ClientRecordPath { get; init; } = "";

    /// <summary>Seconds of silence after which a warning is logged and the journal synced.</summary>
    public int ClientWarningSeconds => ClientTimeoutSeconds * 5 / 6;

    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: watchdog-mux [--socket PATH] [--device PATH] [--active-marker PATH]
                            [--client-timeout SECONDS] [--device-timeout SECONDS] [--no-ioctl]
                            [--post-mortem PATH] [--client-record PATH]
        Feeds the watchdog device for as long as every client (CRM, LRM) keeps writing to the socket.
        Environment: WATCHDOG_MUX_SOCKET, WATCHDOG_MUX_DEVICE, WATCHDOG_MUX_ACTIVE_MARKER,
        WATCHDOG_MUX_CLIENT_TIMEOUT, WATCHDOG_MUX_DEVICE_TIMEOUT, WATCHDOG_MUX_NO_IOCTL=1, WATCHDOG_MODULE,
        WATCHDOG_MUX_POST_MORTEM, WATCHDOG_MUX_CLIENT_RECORD.
        """;

    /// <summary>Reads the environment, then the arguments. Throws <see cref="ArgumentException"/> with a
    /// message for the user on bad input.</summary>
    public static MuxOptions Parse(IReadOnlyList<string> args, Func<string, string?> env)
    {
        var o = new MuxOptions();
        if (env("WATCHDOG_MUX_SOCKET") is { Length: > 0 } s) o = o with { SocketPath = s };
        if (env("WATCHDOG_MUX_DEVICE") is { Length: > 0 } d) o = o with { DevicePath = d };
        if (env("WATCHDOG_MUX_ACTIVE_MARKER") is { Length: > 0 } m) o = o with { ActiveMarkerPath = m };
        if (env("WATCHDOG_MUX_CLIENT_TIMEOUT") is { Length: > 0 } ct) o = o with { ClientTimeoutSeconds = Seconds(ct, "WATCHDOG_MUX_CLIENT_TIMEOUT") };
        if (env("WATCHDOG_MUX_DEVICE_TIMEOUT") is { Length: > 0 } dt) o = o with { DeviceTimeoutSeconds = Seconds(dt, "WATCHDOG_MUX_DEVICE_TIMEOUT") };
        if (env("WATCHDOG_MUX_NO_IOCTL") is "1" or "yes" or "true") o = o with { NoIoctl = true };
        if (env("WATCHDOG_MODULE") is { Length: > 0 } module) o = o with { WatchdogModule = module };
        if (env("WATCHDOG_MUX_JOURNAL_SOCKET") is { Length: > 0 } j) o = o with { JournalSocket = j };
        if (env("WATCHDOG_MUX_POST_MORTEM") is { } pm) o = o with { PostMortemPath = pm };
        if (env("WATCHDOG_MUX_CLIENT_RECORD") is { } cr) o = o with { ClientRecordPath = cr };

        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            o = args[i] switch
            {
                "--socket" => o with { SocketPath = Value() },
                "--device" => o with { DevicePath = Value() },
                "--active-marker" => o with { ActiveMarkerPath = Value() },
                "--client-timeout" => o with { ClientTimeoutSeconds = Seconds(Value(), "--client-timeout") },
                "--device-timeout" => o with { DeviceTimeoutSeconds = Seconds(Value(), "--device-timeout") },
                "--no-ioctl" => o with { NoIoctl = true },
                "--post-mortem" => o with { PostMortemPath = Value() },
                "--client-record" => o with { ClientRecordPath = Value() },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }
        CheckPath(o.SocketPath, "--socket", MaxSocketPathBytes);
        CheckPath(o.DevicePath, "--device", MaxPathBytes);
        CheckPath(o.ActiveMarkerPath, "--active-marker", MaxPathBytes);
        return o;
    }

    /// <summary>sun_path holds 108 bytes including the terminating NUL.</summary>
    private const int MaxSocketPathBytes = 107;

    /// <summary>PATH_MAX less the terminating NUL.</summary>
    private const int MaxPathBytes = 4095;

    private static void CheckPath(string path, string name, int maxBytes)
    {
        if (path.Trim().Length == 0) throw new ArgumentException($"{name} needs a path, got an empty one");
        if (path.Contains('\0')) throw new ArgumentException($"{name}: a path cannot contain a NUL byte");
        if (path.EndsWith('/')) throw new ArgumentException($"{name}: '{path}' names a directory, not a file");
        int bytes = System.Text.Encoding.UTF8.GetByteCount(path);
        if (bytes > maxBytes) throw new ArgumentException($"{name}: the path is {bytes} bytes long, at most {maxBytes} fit");
    }

    private static int Seconds(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= 3600
            ? n
            : throw new ArgumentException($"invalid value '{value}' for {name} (whole seconds, 1 to 3600)");
}
