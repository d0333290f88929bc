using System.Diagnostics;
using Mono.Unix.Native;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: a chaos campaign or a foreground cluster ended by SIGTERM leaves no node process behind (since .NET 10 the
/// runtime no longer raises ProcessExit on SIGTERM: a terminated campaign left three nodes running), and a campaign
/// interrupted while the directory store is read-only leaves a folder that can be removed. Method: the real
/// executable with TMPDIR in a folder of the test's own, SIGTERM at a known point, then every process's command line
/// is searched for that folder.
/// </summary>
public class InterruptTests
{
    private static (Process Process, List<string> Lines) Start(string tmp, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "HaManager.LocalCluster"), args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["TMPDIR"] = tmp;
        var p = Process.Start(psi)!;
        var lines = new List<string>();
        p.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (lines) lines.Add(l); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (lines) lines.Add(l); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return (p, lines);
    }

    /// <summary>Polls <paramref name="condition"/> for up to <paramref name="seconds"/>; true once it holds.</summary>
    private static bool Eventually(Func<bool> condition, int seconds = 5)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds >= seconds) return false;
            Thread.Sleep(50);
        }
        return true;
    }

    private static void WaitForLine(Process p, List<string> lines, string part, int seconds)
    {
        bool Seen() { lock (lines) return lines.Any(l => l.Contains(part, StringComparison.Ordinal)); }
        if (Eventually(() => Seen() || p.HasExited, seconds) && Seen()) return;
        lock (lines) Assert.Fail($"no line with '{part}' within {seconds} s:\n{string.Join('\n', lines)}");
    }

    /// <summary>PIDs whose command line names <paramref name="folder"/>.</summary>
    private static List<int> ProcessesIn(string folder) =>
        ProcStat.Pids().Where(pid => ProcStat.CommandLine(pid) is { } cmd && cmd.Contains(folder, StringComparison.Ordinal)).ToList();

    private static void Terminate(Process p, List<string> lines, int expectedExit)
    {
        Syscall.kill(p.Id, Signum.SIGTERM);
        // Timed only: a node process left behind keeps the output pipes open, and the untimed wait waits for them.
        Assert.That(p.WaitForExit(30_000), Is.True, "ends within 30 s of SIGTERM");
        lock (lines) Assert.That(p.ExitCode, Is.EqualTo(expectedExit), string.Join('\n', lines));
    }

    /// <summary>What a failing run leaves: node processes and an immutable store.</summary>
    private static void CleanUp(string tmp)
    {
        foreach (int pid in ProcessesIn(tmp)) Syscall.kill(pid, Signum.SIGKILL);
        if (!Directory.Exists(tmp)) return;
        using (var chattr = Process.Start("chattr", ["-R", "-i", tmp])!) chattr.WaitForExit();
        Directory.Delete(tmp, recursive: true);
    }

    [Test]
    public void A_terminated_campaign_takes_its_nodes_down_and_leaves_a_removable_folder()
    {
        string tmp = Directory.CreateTempSubdirectory("hamanager-interrupt-").FullName;
        string nodes = Path.Combine(tmp, "hamanager-chaos-"); // each run's folder: Directory.CreateTempSubdirectory
        try
        {
            // Seed 7101: step 2 kills node2's watchdog-mux (node2 resets and waits to reboot), step 3 makes the
            // directory store read-only (`ha-local-cluster chaos --seed 7101 --steps 3 --dry-run`).
            var (p, lines) = Start(tmp, "chaos", "--runs", "1", "--seed", "7101", "--steps", "5", "--keep-dir", Path.Combine(tmp, "kept"));
            using (p)
            {
                WaitForLine(p, lines, "step 3: directory store read-only", 90);
                Assert.That(ProcessesIn(nodes), Is.Not.Empty, "the nodes run");
                Terminate(p, lines, 128 + 15);
                // The output handlers may still be running when the exit is seen.
                Eventually(() => { lock (lines) return lines[^1].StartsWith("chaos: 0 runs", StringComparison.Ordinal); });
                lock (lines) Assert.That(lines[^1], Is.EqualTo("chaos: 0 runs, 0 violations, 0 faults injected"), "the summary of the completed runs ends it");
            }
            Assert.That(ProcessesIn(nodes), Is.Empty, "no node process survives the campaign");
            Assert.DoesNotThrow(() => Directory.Delete(tmp, recursive: true), "the store is writable again");
        }
        finally
        {
            CleanUp(tmp);
        }
    }

    [Test]
    public void A_terminated_etcd_campaign_stops_its_etcd_members()
    {
        Prerequisites.Require("etcd-server", EtcdCluster.Binary);
        string tmp = Directory.CreateTempSubdirectory("hamanager-interrupt-").FullName;
        var members = new List<int>();
        try
        {
            var (p, lines) = Start(tmp, "chaos", "--runs", "1", "--seed", "1", "--steps", "3", "--store", "etcd", "--keep-dir", Path.Combine(tmp, "kept"));
            using (p)
            {
                WaitForLine(p, lines, "step 1:", 90);
                members.AddRange(ProcStat.Pids().Where(pid => ProcStat.Parent(pid) == p.Id
                    && ProcStat.CommandLine(pid) is { } cmd && cmd.StartsWith(EtcdCluster.Binary, StringComparison.Ordinal)));
                Assert.That(members, Has.Count.EqualTo(3), "the campaign's etcd members run");
                Terminate(p, lines, 128 + 15);
            }
            Eventually(() => members.All(pid => ProcStat.CommandLine(pid) is null));
            Assert.That(members.Where(pid => ProcStat.CommandLine(pid) is { } cmd && cmd.Contains("etcd", StringComparison.Ordinal)), Is.Empty,
                "no etcd member survives the campaign");
        }
        finally
        {
            foreach (int pid in members) Syscall.kill(pid, Signum.SIGKILL);
            CleanUp(tmp);
        }
    }

    [Test]
    public void A_terminated_foreground_cluster_stops_its_nodes_and_exits_cleanly()
    {
        string tmp = Directory.CreateTempSubdirectory("hamanager-interrupt-").FullName;
        string nodes = Path.Combine(tmp, "cluster", "nodes");
        try
        {
            var (p, lines) = Start(tmp, "up", "--dir", Path.Combine(tmp, "cluster"), "--time-scale", "10");
            using (p)
            {
                WaitForLine(p, lines, "up: 3 nodes", 60);
                Thread.Sleep(2000);
                Assert.That(ProcessesIn(nodes), Is.Not.Empty, "the nodes run");
                Terminate(p, lines, 0);
                Eventually(() => { lock (lines) return lines.Contains("down"); });
                lock (lines) Assert.That(lines, Does.Contain("down"));
            }
            Assert.That(ProcessesIn(nodes), Is.Empty, "no node process survives");
        }
        finally
        {
            CleanUp(tmp);
        }
    }
}
