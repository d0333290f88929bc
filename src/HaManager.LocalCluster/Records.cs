using System.Globalization;

namespace HaManager.LocalCluster;

/// <summary>One line of the record file: a service start/stop the agent wrote, or a hardware event the
/// supervisor wrote (boot, reset, crash, cut, heal, down).</summary>
public sealed record RecordLine(long Ms, string What, string? Instance, string Node);

/// <summary>
/// Reads the record file — independent evidence, written by the agents and the virtual hardware, not by
/// the manager — and answers the demo's and the tests' questions: where does each service run, when
/// did it start again, and did it ever run on two nodes at once.
/// </summary>
public static class Records
{
    /// <summary>Every line, in file order.</summary>
    public static List<RecordLine> Read(string path)
    {
        var lines = new List<RecordLine>();
        if (!File.Exists(path)) return lines;
        foreach (var raw in File.ReadAllLines(path))
        {
            var f = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3 || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long ms)) continue;
            lines.Add(f.Length >= 4 ? new RecordLine(ms, f[1], f[2], f[3]) : new RecordLine(ms, f[1], null, f[2]));
        }
        return lines;
    }

    /// <summary>Per service, the node it runs on now (after the last line), if any.</summary>
    public static Dictionary<string, string> Running(IEnumerable<RecordLine> lines) =>
        Replay(lines, (_, _) => { }).Where(kv => kv.Value.Count > 0)
            .ToDictionary(kv => kv.Key, kv => kv.Value.Order(StringComparer.Ordinal).First(), StringComparer.Ordinal);

    /// <summary>How often a service started on one node while it still ran on another: every such start
    /// is an overlap (a node's power cut ends everything it ran).</summary>
    public static int Overlaps(IEnumerable<RecordLine> lines)
    {
        int overlaps = 0;
        Replay(lines, (start, nodes) => { if (nodes.Any(n => n != start.Node)) overlaps++; });
        return overlaps;
    }

    /// <summary>Replays the lines: per service the nodes running it. Starts and stops of a service change its
    /// set (<paramref name="beforeStart"/> sees each start first); a node losing power — watchdog reset, crash,
    /// fence device, cluster down — ends everything it ran.</summary>
    private static Dictionary<string, HashSet<string>> Replay(IEnumerable<RecordLine> lines, Action<RecordLine, HashSet<string>> beforeStart)
    {
        var running = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var l in lines)
        {
            if (l.Instance is { } i)
            {
                if (!running.TryGetValue(i, out var nodes)) running[i] = nodes = new HashSet<string>(StringComparer.Ordinal);
                if (l.What == "start")
                {
                    beforeStart(l, nodes);
                    nodes.Add(l.Node);
                }
                else if (l.What == "stop") nodes.Remove(l.Node);
            }
            else if (l.What is "reset" or "crash" or "fence" or "down")
                foreach (var nodes in running.Values) nodes.Remove(l.Node);
        }
        return running;
    }

    /// <summary>Every service start on a node whose LRM did not have the watchdog armed: by watchdog-mux's own
    /// record of its clients (<paramref name="muxClients"/>: node → lines <c>EPOCH-MS open|close|vanished|expired
    /// PID COMMAND…</c>), a start must fall in an interval from an LRM's <c>open</c> to its departure (a departure
    /// that dooms the node — vanished, expired — lasts until the reset, when one follows within the slack). The LRM
    /// arms the watchdog only while it holds its agent lock, so the node resets before that lock can pass on.
    /// An <c>open</c> up to <paramref name="acceptSlackMs"/> after the start still counts: the kernel completes
    /// a connection before watchdog-mux accepts it, and a frozen watchdog-mux, which accepts late, does not feed
    /// either — the node resets within the device timeout, which is what the slack should be.</summary>
    public static List<string> UnarmedStarts(IEnumerable<RecordLine> lines, IReadOnlyDictionary<string, string[]> muxClients, long acceptSlackMs)
    {
        var all = lines.ToList();
        // A node's power loss ends every client of its watchdog-mux, which writes nothing then: the record
        // file's hardware lines say when (and a PID comes back in the node's next life).
        var deaths = all.Where(l => l.Instance is null && l.What is "reset" or "crash" or "fence" or "down")
            .GroupBy(l => l.Node).ToDictionary(g => g.Key, g => g.Select(l => l.Ms).Order().ToList(), StringComparer.Ordinal);
        var armed = new Dictionary<string, List<(long From, long To)>>(StringComparer.Ordinal);
        foreach (var (node, records) in muxClients)
        {
            var died = deaths.GetValueOrDefault(node) ?? [];
            long NextDeath(long after) => died.FirstOrDefault(d => d >= after, long.MaxValue);
            var intervals = armed[node] = [];
            var open = new Dictionary<int, long>();
            foreach (var raw in records)
            {
                var f = raw.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 3 || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
                    || !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
                if (open.Remove(pid, out long from))
                {
                    // A departure, or the PID's next life. An LRM that vanished or expired leaves its node doomed:
                    // watchdog-mux stops feeding and the device resets it. A start that completes in between (the
                    // LRM began it armed, its agent finished after the LRM died) is as protected as before, when
                    // the reset follows within the device timeout, which the record file shows.
                    long to = ms;
                    if (f[1] is "vanished" or "expired" && NextDeath(ms) is var death && death - ms <= acceptSlackMs) to = death;
                    intervals.Add((from, to));
                }
                if (f[1] == "open" && f.Length == 4 && f[3].Contains(" lrm", StringComparison.Ordinal)) open[pid] = ms;
            }
            intervals.AddRange(open.Values.Select(from => (from, long.MaxValue)));
            for (int i = 0; i < intervals.Count; i++)
            {
                var (from, to) = intervals[i];
                intervals[i] = (from, Math.Min(to, NextDeath(from)));
            }
        }
        var found = new List<string>();
        foreach (var start in all.Where(l => l.What == "start" && l.Instance is not null))
        {
            var intervals = armed.GetValueOrDefault(start.Node) ?? [];
            if (!intervals.Any(i => i.From - acceptSlackMs <= start.Ms && start.Ms <= i.To))
                found.Add($"{start.Instance} started on {start.Node} at {start.Ms} without an LRM's armed watchdog there");
        }
        return found;
    }
}
