using System.Globalization;
using System.Text;

namespace HaManager.WatchdogMux;

/// <summary>
/// Why watchdog-mux let the device reset the node, written before it fires: <c>key=value</c> lines
/// (<c>time</c>, <c>reason</c> expired|disconnected, <c>client_pid</c>, <c>client</c> — the client's command
/// line —, <c>silent_seconds</c>), so the next boot can say which daemon stopped and when.
/// </summary>
public sealed record PostMortemRecord(long Time, string Reason, int ClientPid, string Client, long SilentSeconds)
{
    /// <summary>Writes the record (temporary file, fsync, rename): never half a record.</summary>
    public static void Write(string path, PostMortemRecord record)
    {
        string text = string.Create(CultureInfo.InvariantCulture,
            $"time={record.Time}\nreason={record.Reason}\nclient_pid={record.ClientPid}\nclient={record.Client}\nsilent_seconds={record.SilentSeconds}\n");
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            file.Write(Encoding.UTF8.GetBytes(text));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a record; null when the file is missing or not a record.</summary>
    public static PostMortemRecord? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var values = text.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        long Number(string key) => values.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : -1;
        if (Number("time") < 0 || !values.TryGetValue("reason", out var reason)) return null;
        return new PostMortemRecord(Number("time"), reason, (int)Number("client_pid"), values.GetValueOrDefault("client", ""), Number("silent_seconds"));
    }

    /// <summary>A process's command line (arguments joined by spaces), or empty when it is gone.</summary>
    public static string CommandLineOf(int pid)
    {
        try
        {
            string raw = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            string line = raw.TrimEnd('\0').Replace('\0', ' ').Replace('\n', ' ');
            return line.Length > 200 ? line[..200] : line;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The HA daemon the client was, from its command line: <c>ha-lrm</c>, <c>ha-crm</c>, or the program.</summary>
    public string Daemon
    {
        get
        {
            var words = Client.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Any(w => w is "lrm" or "ha-lrm" || w.EndsWith("/ha-lrm", StringComparison.Ordinal))) return "ha-lrm";
            if (words.Any(w => w is "crm" or "ha-crm" || w.EndsWith("/ha-crm", StringComparison.Ordinal))) return "ha-crm";
            return words.Length > 0 ? Path.GetFileName(words[0]) : "a client";
        }
    }
}
