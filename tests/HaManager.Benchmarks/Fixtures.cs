using System.Globalization;
using System.Text;
using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Simulator;

namespace HaManager.Benchmarks;

/// <summary>Synthetic clusters for the benchmarks: nodes node1..nodeN, services vm:1000.. round robin.</summary>
public static class Fixtures
{
    public static string Node(int i) => $"node{i + 1}";

    public static string Sid(int i) => $"vm:{1000 + i}";

    /// <summary>A cluster with every node on and every service started and running on its node, as a
    /// master would have left it; <paramref name="failedNode"/> (if any) is off and its services are in
    /// <c>fence</c>. <paramref name="crs"/> sets the scheduler.</summary>
    public static ScenarioInput Cluster(int nodes, int services, int? failedNode = null, string crs = "basic",
        bool autoRebalance = false)
    {
        var input = new ScenarioInput { Name = $"bench-{nodes}x{services}" };
        var status = new ManagerStatus { MasterNode = Node(0), Timestamp = 0 };
        for (int n = 0; n < nodes; n++)
        {
            bool failed = n == failedNode;
            input.Hardware[Node(n)] = new NodeHardwareInput
            {
                Power = failed ? "off" : "on", Network = failed ? "off" : "on", MaxCpu = 512, MaxMem = 2199023255552,
            };
            status.NodeStatus[Node(n)] = failed ? NodeState.Fence : NodeState.Online;
        }
        input.StaticServiceStats = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        input.DynamicServiceStats = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        for (int i = 0; i < services; i++)
        {
            string node = Node(i % nodes);
            input.Services[Sid(i)] = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["node"] = node, ["state"] = "started" };
            bool onFailed = i % nodes == failedNode;
            status.ServiceStatus[Sid(i)] = new ServiceStatusEntry
            {
                State = onFailed ? ServiceState.Fence : ServiceState.Started, Node = node, Uid = $"b{i}", Running = !onFailed,
            };
            if (!onFailed)
            {
                if (!input.Running.TryGetValue(node, out var running)) input.Running[node] = running = new(StringComparer.Ordinal);
                running[Sid(i)] = true;
            }
            // Varied sizes so the schedulers have something to weigh.
            input.StaticServiceStats[Sid(i)] = new() { ["maxcpu"] = 1 + i % 8, ["maxmem"] = (1L + i % 16) * 1073741824 };
            input.DynamicServiceStats[Sid(i)] = new() { ["cpu"] = 0.25 * (1 + i % 7), ["mem"] = (1L + i % 5) * 536870912 };
        }
        input.ManagerStatusJson = StatusJson.Write(status);
        var crsOptions = new Dictionary<string, string>(StringComparer.Ordinal) { ["ha"] = crs };
        if (autoRebalance)
        {
            crsOptions["ha-auto-rebalance"] = "1";
            crsOptions["ha-auto-rebalance-hold-duration"] = "0";
            crsOptions["ha-auto-rebalance-threshold"] = "0";
        }
        input.Datacenter = new DatacenterSettings(null, crsOptions);
        return input;
    }

    /// <summary>The replay scenario of the benchmarks: nodes off, services spread round robin, all nodes
    /// powered on, 300 s later the last node powered off so its services are fenced and recovered.</summary>
    public static ScenarioInput FailoverReplay(int nodes, int services)
    {
        var input = new ScenarioInput { Name = $"failover-{nodes}x{services}" };
        for (int n = 0; n < nodes; n++) input.Hardware[Node(n)] = new NodeHardwareInput();
        for (int i = 0; i < services; i++)
            input.Services[Sid(i)] = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["node"] = Node(i % nodes), ["state"] = "started",
            };
        input.Commands =
        [
            Enumerable.Range(0, nodes).Select(n => $"power {Node(n)} on").ToList(),
            ["delay 300"],
            [$"power {Node(nodes - 1)} off"],
        ];
        return input;
    }

    /// <summary>Writes <see cref="FailoverReplay"/> as an upstream-format directory.</summary>
    public static string WriteScenarioDirectory(ScenarioInput input)
    {
        string dir = Path.Combine(Path.GetTempPath(), "hamanager-bench-" + input.Name);
        Directory.CreateDirectory(dir);
        var hw = new StringBuilder("{");
        hw.AppendJoin(",", input.Hardware.Keys.Select(n => $"\"{n}\": {{\"power\": \"off\", \"network\": \"off\"}}"));
        File.WriteAllText(Path.Combine(dir, "hardware_status"), hw.Append('}').ToString());
        var sc = new StringBuilder("{");
        sc.AppendJoin(",", input.Services.Select(kv => $"\"{kv.Key}\": {{\"node\": \"{kv.Value["node"]}\", \"state\": \"started\"}}"));
        File.WriteAllText(Path.Combine(dir, "service_config"), sc.Append('}').ToString());
        File.WriteAllText(Path.Combine(dir, "manager_status"), "{}");
        var cmd = input.Commands.Select(b => "[" + string.Join(",", b.Select(c => $"\"{c}\"")) + "]");
        File.WriteAllText(Path.Combine(dir, "cmdlist"), "[" + string.Join(",\n", cmd) + "]");
        return dir;
    }

    /// <summary>A resources.cfg with <paramref name="services"/> sections.</summary>
    public static string ResourcesCfg(int services)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < services; i++)
        {
            sb.Append(i % 3 == 0 ? "ct: " : "vm: ").Append((1000 + i).ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (i % 10 == 0) sb.Append("\tcomment service number ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("\tmax_relocate 2\n\tstate started\n\n");
        }
        return sb.ToString();
    }
}

/// <summary>A master of a simulated cluster as the benchmarks drive it: node1's Manager with the
/// manager lock it holds, so its status writes pass the store's lease check.</summary>
public sealed class BenchMaster
{
    private readonly HaManager.Core.Master.Manager _manager;
    private readonly LockLease _lease;

    public BenchMaster(Simulation sim)
    {
        var env = sim.Cluster.Nodes[0].CrmEnv;
        env.ForceTimeUpdate();
        _lease = env.TryAcquire(LockNames.Manager) ?? throw new InvalidOperationException("node1 cannot take the manager lock");
        _manager = new HaManager.Core.Master.Manager(env.CreateNode(new SimJobRunner(env)));
    }

    /// <summary>One manager round.</summary>
    public void Round() => _manager.ManageRound(_lease);
}
