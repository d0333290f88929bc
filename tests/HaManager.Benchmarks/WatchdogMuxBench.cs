using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace HaManager.Benchmarks;

/// <summary>
/// watchdog-mux footprint: idle RSS and CPU time per hour of feeding, for the Native AOT build (net9.0;
/// published on demand) and the framework-dependent net10.0 build. Runs the daemon with --no-ioctl on a
/// plain file, with two clients (a CRM and an LRM) updating every second.
/// </summary>
public static class WatchdogMuxBench
{
    public static IEnumerable<Figure> Run(string repoRoot, int feedSeconds)
    {
        string project = Path.Combine(repoRoot, "src", "HaManager.WatchdogMux");
        string aotDir = Path.Combine(Path.GetTempPath(), "hamanager-watchdog-mux-aot");
        string aot = Path.Combine(aotDir, "watchdog-mux");
        if (!File.Exists(aot))
        {
            using var publish = Process.Start(new ProcessStartInfo("dotnet",
                ["publish", project, "-f", "net9.0", "-c", "Release", "-r", "linux-x64", "-o", aotDir])
            { RedirectStandardOutput = true, UseShellExecute = false })!;
            publish.StandardOutput.ReadToEnd();
            publish.WaitForExit();
        }
        if (File.Exists(aot))
        {
            yield return Measure("watchdog-mux, Native AOT (net9.0)", aot, [], feedSeconds, new FileInfo(aot).Length);
        }
        string dll = Path.Combine(AppContext.BaseDirectory, "watchdog-mux.dll");
        if (File.Exists(dll))
            yield return Measure("watchdog-mux, framework-dependent (net10.0)", "dotnet", [dll], feedSeconds, null);
    }

    private static Figure Measure(string name, string file, string[] prefix, int feedSeconds, long? size)
    {
        string dir = Directory.CreateTempSubdirectory("wdmux-bench-").FullName;
        string device = Path.Combine(dir, "device"), socket = Path.Combine(dir, "sock");
        File.WriteAllBytes(device, []);
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in prefix.Concat(["--no-ioctl", "--device", device, "--socket", socket, "--active-marker", Path.Combine(dir, "active")]))
            psi.ArgumentList.Add(a);
        using var mux = Process.Start(psi)!;
        mux.ErrorDataReceived += (_, _) => { };
        mux.BeginErrorReadLine();
        for (int i = 0; i < 100 && !File.Exists(socket); i++) Thread.Sleep(50);
        Thread.Sleep(500);
        long idleRss = RssKb(mux.Id);

        var clients = Enumerable.Range(0, 2).Select(_ =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(socket));
            return s;
        }).ToList();
        double cpuBefore = CpuSeconds(mux.Id);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < feedSeconds)
        {
            foreach (var c in clients) c.Send([0]);
            Thread.Sleep(1000);
        }
        double cpu = CpuSeconds(mux.Id) - cpuBefore;
        long feedingRss = RssKb(mux.Id);
        foreach (var c in clients)
        {
            c.Send("V"u8);
            c.Dispose();
        }
        Process.Start("kill", ["-TERM", mux.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        mux.WaitForExit(5000);
        Directory.Delete(dir, recursive: true);

        double cpuPerHour = cpu / clock.Elapsed.TotalSeconds * 3600;
        // /proc counts CPU in 10 ms ticks: below one tick over the window, report the bound.
        string cpuText = cpu > 0 ? $"{cpuPerHour:0.0}" : $"< {0.01 / clock.Elapsed.TotalSeconds * 3600:0.0}";
        string note = $"idle RSS {idleRss / 1024.0:0.0} MiB, RSS feeding {feedingRss / 1024.0:0.0} MiB, " +
                      $"CPU {cpuText} s per hour of feeding{(size is { } b ? $", binary {b / 1048576.0:0.0} MiB" : "")}";
        return new Figure(name, $"2 clients, {feedSeconds} s", cpuPerHour * 1000 / 3600, idleRss * 1024, note);
    }

    private static long RssKb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>utime + stime of a process in seconds (clock ticks of 1/100 s on Linux).</summary>
    private static double CpuSeconds(int pid)
    {
        var fields = HaManager.LocalCluster.ProcStat.Fields(pid) ?? throw new InvalidOperationException($"process {pid} is gone");
        return (HaManager.LocalCluster.ProcStat.Number(fields, 11) + HaManager.LocalCluster.ProcStat.Number(fields, 12)) / 100.0;
    }
}
