using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using HaManager.Core.Environment;

namespace HaManager.Cli.Cluster;

/// <summary>
/// <c>ha-cluster serve</c>, one per node: answers joins on port 2382 and publishes what <c>ha-cluster nodes</c>
/// shows of this node — uptime, load, memory, CPUs and whether its etcd member has a leader — under
/// <c>/hamanager/cluster/info/&lt;node&gt;</c>, bound to a 15 s lease renewed every 5 s (a node that stops, is cut
/// off or crashes vanishes from it). It also keeps the HA node configuration's store line listing every member.
/// SIGTERM or SIGINT stops it.
/// </summary>
public static class ClusterService
{
    private const long InfoTtl = 15;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    public static int Run(ClusterPaths paths, TextWriter log)
    {
        var state = ClusterState.Load(paths) ?? throw new CliFailure($"this node is in no cluster ({paths.ClusterFile} is missing)\n");
        var ca = Pki.Load(File.ReadAllText(paths.CaCert));
        var certificate = Pki.LoadWithKey(paths.NodeCert, paths.NodeKey);
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        void Log(string line)
        {
            lock (log) log.Write(line + "\n");
            log.Flush();
        }
        var publisher = new Thread(() => Publish(paths, state, Log, stop.Token)) { IsBackground = true, Name = "publish" };
        publisher.Start();
        var commands = new ClusterCommands(paths, TextWriter.Null, TextWriter.Null);
        var gate = new object();
        Log($"ha-cluster serve: {state.Node} of cluster '{state.Name}', joins on {state.Address}:{ClusterState.JoinPort}");
        try
        {
            JoinProtocol.Serve(state.Address, certificate, ca, request => commands.HandleJoin(request, state, ca, gate), Log, stop.Token);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new CliFailure($"cannot listen on {state.Address}:{ClusterState.JoinPort} - {e.Message}\n");
        }
        publisher.Join(TimeSpan.FromSeconds(5));
        return 0;
    }

    private static void Publish(ClusterPaths paths, ClusterState state, Action<string> log, CancellationToken stop)
    {
        using var view = new ClusterView(paths, state, []);
        var commands = new ClusterCommands(paths, TextWriter.Null, TextWriter.Null);
        long lease = 0;
        string? lastError = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (lease == 0 || !view.Etcd.KeepAlive(lease)) lease = view.Etcd.Grant(InfoTtl);
                bool quorate = view.Etcd.StatusOf(state.ClientUrl, TimeSpan.FromSeconds(1)) is { Leader: not 0 };
                view.Etcd.Put(ClusterView.Info + state.Node, Sample(state, quorate).ToJsonString(), lease);
                var members = view.Etcd.Members("member list", (c, o) => c.MemberList(new Etcdserverpb.MemberListRequest(), o)).Members
                    .Where(m => !m.IsLearner).SelectMany(m => m.ClientURLs.Take(1)).Select(u => new Uri(u)).OrderBy(u => u.ToString(), StringComparer.Ordinal).ToArray();
                if (commands.RefreshStoreEndpoints(state, members))
                    log($"store endpoints of the HA daemons now: {string.Join(", ", members.Select(ClusterState.Text))} (used from their next start)");
                if (lastError is not null) log("publishing this node's information again");
                lastError = null;
            }
            catch (HaEnvironmentException e)
            {
                lease = 0;
                if (e.Message != lastError) log($"cannot publish this node's information: {e.Message.TrimEnd()}");
                lastError = e.Message;
            }
            stop.WaitHandle.WaitOne(Period);
        }
        if (lease != 0) view.Etcd.Revoke(lease);
    }

    /// <summary>This node now: uptime (s), 1-minute load, memory total and used (bytes, used = total − available).</summary>
    public static JsonObject Sample(ClusterState state, bool quorate)
    {
        long Field(string[] lines, string key) =>
            lines.FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal)) is { } line
                ? long.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024 : 0;
        var meminfo = File.ReadAllLines("/proc/meminfo");
        long total = Field(meminfo, "MemTotal");
        return new JsonObject
        {
            ["uptime"] = (long)double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture),
            ["load"] = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture),
            ["mem_total"] = total, ["mem_used"] = total - Field(meminfo, "MemAvailable"), ["cpus"] = Environment.ProcessorCount,
            ["quorate"] = quorate, ["witness"] = state.Witness,
        };
    }
}
