using System.Globalization;

namespace HaManager.LocalCluster;

/// <summary>
/// <c>/proc/PID/stat</c>, read the one safe way: the command name may hold spaces and parentheses, so the fields
/// are taken after its last ')'. Index 0 is the state, 1 the parent, 2 the process group, 11 and 12 user and
/// system CPU ticks, 13 and 14 those of reaped children (proc(5), counted from field 3).
/// </summary>
public static class ProcStat
{
    /// <summary>Every process ID now in <c>/proc</c>.</summary>
    public static IEnumerable<int> Pids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) yield return pid;
    }

    /// <summary>The fields after the command name, or null when the process is gone.</summary>
    public static string[]? Fields(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
    }

    /// <summary>A numeric field.</summary>
    public static long Number(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    /// <summary>The process's parent, or null when it is gone.</summary>
    public static int? Parent(int pid) => Fields(pid) is { } f ? (int)Number(f, 1) : null;

    /// <summary>The process's command line with its NULs as spaces, or null when it is gone.</summary>
    public static string? CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return null; }
    }
}
