using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HaManager.Benchmarks;

/// <summary>
/// ha-manager start-up: the whole process (<c>dotnet HaManager.Cli.dll status|config</c>, framework-dependent
/// JIT, and the Native AOT executable the Debian package ships) on a directory store of N ocf services with a manager status, wall time per call. The operator's
/// figure: how long until the answer is on the screen.
/// </summary>
public static class CliBench
{
    private static string Store(int services)
    {
        string root = Directory.CreateTempSubdirectory("hamanager-clibench-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "ha"));
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        File.WriteAllText(Path.Combine(root, ".members"),
            """{"cluster":{"name":"bench","quorate":1},"nodelist":{"node1":{"online":1,"id":1},"node2":{"online":1,"id":2},"node3":{"online":1,"id":3}}}""");
        var cfg = new StringBuilder();
        var status = new StringBuilder("""{"master_node":"node1","node_status":{"node1":"online","node2":"online","node3":"online"},"service_status":{""");
        for (int i = 0; i < services; i++)
        {
            cfg.Append(CultureInfo.InvariantCulture, $"ocf: s{i}\n\tagent hamanager:demo-service\n\n");
            status.Append(CultureInfo.InvariantCulture, $"{(i > 0 ? "," : "")}\"ocf:s{i}\":{{\"node\":\"node{i % 3 + 1}\",\"running\":1,\"state\":\"started\",\"uid\":\"u{i}\"}}");
        }
        status.Append(CultureInfo.InvariantCulture, $"}},\"timestamp\":{now}}}");
        File.WriteAllText(Path.Combine(root, "ha", "resources.cfg"), cfg.ToString());
        File.WriteAllText(Path.Combine(root, "ha", "manager_status"), status.ToString());
        for (int n = 1; n <= 3; n++)
        {
            Directory.CreateDirectory(Path.Combine(root, "nodes", $"node{n}"));
            File.WriteAllText(Path.Combine(root, "nodes", $"node{n}", "lrm_status"),
                $"{{\"mode\":\"active\",\"results\":{{}},\"state\":\"active\",\"timestamp\":{now}}}");
        }
        return root;
    }

    /// <summary>Publishes ha-manager as Native AOT (as the Debian package ships it) into a scratch directory;
    /// null when the repository is not found above the benchmark's directory.</summary>
    private static string? PublishNative()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "src", "HaManager.Cli", "HaManager.Cli.csproj"))) dir = dir.Parent;
        if (dir is null) return null;
        string output = Directory.CreateTempSubdirectory("hamanager-clibench-aot-").FullName;
        var psi = new ProcessStartInfo("dotnet", ["publish", Path.Combine(dir.FullName, "src", "HaManager.Cli"), "-c", "Release", "-r", "linux-x64",
            "--self-contained", "-p:HaManagerAot=true", "-p:DebugType=none", "-o", output])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string log = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"Native AOT publish of ha-manager failed:\n{log}");
        return Path.Combine(output, "HaManager.Cli");
    }

    public static IEnumerable<Figure> Run(int iterations)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "HaManager.Cli.dll");
        string? native = PublishNative();
        var builds = new List<(string Name, string File, string[] Prefix)> { ("JIT", "dotnet", [dll]) };
        if (native is not null) builds.Add(("Native AOT", native, []));
        foreach (int services in new[] { 1000, 10000 })
        {
            string root = Store(services);
            try
            {
                foreach (var (build, file, prefix) in builds)
                foreach (var command in new[] { "status", "config" })
                {
                    var times = new List<double>();
                    for (int i = 0; i < iterations + 1; i++)
                    {
                        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
                        foreach (var a in prefix.Concat([command, "--store", "directory:" + root])) psi.ArgumentList.Add(a);
                        psi.Environment["HAMANAGER_NODE"] = "node1";
                        var clock = Stopwatch.StartNew();
                        using var p = Process.Start(psi)!;
                        p.StandardOutput.ReadToEnd();
                        p.WaitForExit();
                        if (p.ExitCode != 0) throw new InvalidOperationException($"ha-manager {command} failed: {p.StandardError.ReadToEnd()}");
                        if (i > 0) times.Add(clock.Elapsed.TotalMilliseconds); // the first call warms the disk cache
                    }
                    times.Sort();
                    yield return new Figure($"ha-manager {command}, whole process ({build}, wall time; best {times[0]:F0} ms)",
                        $"{services} services", times[times.Count / 2], 0);
                }
            }
            finally { Directory.Delete(root, recursive: true); }
        }
        if (native is not null) Directory.Delete(Path.GetDirectoryName(native)!, recursive: true);
    }
}
