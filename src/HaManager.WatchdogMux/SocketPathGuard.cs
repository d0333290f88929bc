namespace HaManager.WatchdogMux;

/// <summary>
/// Decides, before the device is opened, whether the socket path may be (re)created: a stale socket
/// left by a dead instance is replaced, as upstream does; a socket another live instance listens on,
/// and anything that is not a socket, are refused and never deleted.
/// </summary>
public static class SocketPathGuard
{
    /// <summary>Null when the path may be used; otherwise why not.</summary>
    public static string? Check(string path)
    {
        if (Directory.Exists(path)) return $"socket path '{path}' is a directory";
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null && !Directory.Exists(parent)) return $"socket directory '{parent}' does not exist";
        if (!File.Exists(path)) return null;
        // open(2) on a socket fails with ENXIO; on anything else it opens (non-blocking, not for writing).
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC | Libc.O_NOCTTY);
        if (fd >= 0)
        {
            Libc.close(fd);
            return $"'{path}' exists and is not a socket - refusing to delete it";
        }
        if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Libc.ENXIO) return null;
        return IsListening(path) ? $"another watchdog-mux is listening on '{path}' - refusing to replace its socket" : null;
    }

    /// <summary>Whether a process listens on the Unix socket at <paramref name="path"/>, from
    /// <c>/proc/net/unix</c> (a connection attempt would register as a client of the other instance).</summary>
    public static bool IsListening(string path)
    {
        const int acceptingConnections = 0x10000; // __SO_ACCEPTCON in the Flags column
        string full = Path.GetFullPath(path);
        string table;
        try { table = File.ReadAllText("/proc/net/unix"); }
        catch (IOException) { return false; }
        foreach (var line in table.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8 || (fields[7] != path && fields[7] != full)) continue;
            if (int.TryParse(fields[3], System.Globalization.NumberStyles.HexNumber, null, out int flags) && (flags & acceptingConnections) != 0)
                return true;
        }
        return false;
    }
}
