using System.Globalization;
using HaManager.Core.Crm;
using HaManager.Core.Model;

namespace HaManager.Simulator.Web;

/// <summary>
/// One interactive simulation as the browser sees it: the scenario it started from, the run (the engine's own
/// <see cref="Simulation"/>, stepped one batch slot at a time), a sample of every service's and node's state
/// after each step for the timeline, and what the page needs to draw. Not thread-safe: the server serialises
/// requests.
/// </summary>
public sealed class SimulatorSession
{
    /// <summary>The most slots one request may run (a paused page asking for "run" must not hang the server).</summary>
    public const int MaxStepsPerRequest = 500;

    private readonly List<TimelineSample> _timeline = [];

    private SimulatorSession(ScenarioInput scenario, string source)
    {
        Scenario = scenario;
        Source = source;
        Run = Simulation.StartInteractive(Interactive(scenario));
        Sample();
    }

    /// <summary>The scenario as loaded (its own batch cadence).</summary>
    public ScenarioInput Scenario { get; }

    /// <summary>Where the scenario came from, for the page's title bar.</summary>
    public string Source { get; }

    /// <summary>The run.</summary>
    public Simulation Run { get; private set; }

    /// <summary>Samples taken after each step, oldest first.</summary>
    public IReadOnlyList<TimelineSample> Timeline => _timeline;

    /// <summary>Starts a session on a scenario.</summary>
    public static SimulatorSession Start(ScenarioInput scenario, string source) => new(scenario, source);

    /// <summary>The cluster a first-time user plays with: three nodes switched on in the first batch, six
    /// services started, two per node.</summary>
    public static ScenarioInput DemoScenario()
    {
        var services = ScenarioInput.DefaultServices();
        foreach (var props in services.Values) props["state"] = "started";
        return new ScenarioInput
        {
            Name = "demo",
            Hardware = ScenarioInput.DefaultHardware(),
            Services = services,
            Commands = [["power node1 on", "power node2 on", "power node3 on"]],
        };
    }

    /// <summary>The scenario with one loop per batch slot: batch k of a scenario with n loops per batch is
    /// slot k·n here, with empty slots between, so it plays at the same times while every slot is open to
    /// the user.</summary>
    private static ScenarioInput Interactive(ScenarioInput scenario)
    {
        var commands = new List<List<string>>();
        foreach (var batch in scenario.Commands)
        {
            if (commands.Count > 0)
                for (int i = 1; i < scenario.LoopsPerBatch; i++) commands.Add([]);
            commands.Add([.. batch]);
        }
        var copy = scenario.WithCommands(commands);
        copy.LoopsPerBatch = 1;
        return copy;
    }

    /// <summary>Runs up to <paramref name="count"/> slots; stops early when the run ends with an error.</summary>
    public int Step(int count)
    {
        int done = 0;
        for (; done < Math.Clamp(count, 0, MaxStepsPerRequest); done++)
        {
            if (!Run.Step()) break;
            Sample();
        }
        return done;
    }

    /// <summary>Executes a command at the current slot. A command the simulator rejects leaves the run as it
    /// was (it is replayed without the command) and comes back as the reason; null when it was executed.</summary>
    public string? Execute(string command)
    {
        // A file write keeps its text as given (its final newline belongs to the file).
        command = command.Contains('\n', StringComparison.Ordinal) ? command.TrimStart() : command.Trim();
        if (command.Length == 0) return "empty command";
        if (Run.FatalError is not null) return $"the simulation has ended: {Run.FatalError.Trim()} (load or restart it)";
        if (command.StartsWith("delay", StringComparison.Ordinal) || command.StartsWith("skip-round", StringComparison.Ordinal))
            return $"'{command}' belongs in a scenario file; here, step or run the simulation instead";
        try
        {
            Run.Execute(command);
        }
        catch (Exception e) when (Simulation.IsRejection(e))
        {
            // The run stands at the last executed slot; the script may go on beyond it.
            var script = Interactive(Scenario);
            var batches = Run.ExecutedBatches.Select(b => (IReadOnlyList<string>)b).ToList();
            batches[^1] = batches[^1].Take(batches[^1].Count - 1).ToList();
            int slots = batches.Count;
            batches.AddRange(script.Commands.Skip(slots));
            Run = Simulation.Replay(script, batches, slots);
            return Reason(e.Message);
        }
        return null;
    }

    private static string Reason(string message)
    {
        message = message.Trim();
        const string prefix = "sim_hardware_cmd: ";
        return message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
    }

    /// <summary>The session as a YAML scenario (one loop per batch unless every command fell on upstream's
    /// cadence) with the log its replay gives; <paramref name="replaysIdentically"/> tells whether this
    /// session's log so far is where that replay's log starts.</summary>
    public string Export(out bool replaysIdentically)
    {
        var batches = Run.ExecutedBatches.Select(b => (IReadOnlyList<string>)b).ToList();
        while (batches.Count > 0 && batches[^1].Count == 0) batches.RemoveAt(batches.Count - 1);
        int loopsPerBatch = 1;
        if (batches.Select((b, i) => (b, i)).All(x => x.b.Count == 0 || x.i % 5 == 0))
        {
            loopsPerBatch = 5;
            batches = batches.Where((_, i) => i % 5 == 0).ToList();
        }
        var exported = Scenario.WithCommands(batches.Select(b => b.ToList()).ToList());
        exported.LoopsPerBatch = loopsPerBatch;
        exported.ExpectedLog = null;
        exported.ExpectedFatal = null;
        var replay = new Simulation(exported);
        replay.Run();
        string log = replay.LogText;
        exported.ExpectedFatal = replay.FatalError is { } fatal ? fatal.Trim() : null;
        string mine = Run.LogText;
        replaysIdentically = log.StartsWith(mine, StringComparison.Ordinal)
            || (Run.FatalError is not null && log == mine);
        string description = $"Recorded in the browser simulator from {Source}, {Run.Cluster.Time} s of virtual time";
        return YamlScenario.Write(exported, batches, loopsPerBatch, description, log);
    }

    private void Sample() => _timeline.Add(Snapshot());

    private TimelineSample Snapshot()
    {
        var cluster = Run.Cluster;
        var status = cluster.ReadManagerStatus();
        var services = new SortedDictionary<string, ServicePoint>(StringComparer.Ordinal);
        foreach (var (sid, entry) in status.ServiceStatus)
            services[sid] = new ServicePoint(StateNames.Of(entry.State), entry.Node);
        var nodes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in cluster.Nodes)
            nodes[node.Name] = !node.Power ? "off" : !node.Network ? "isolated"
                : status.NodeStatus.TryGetValue(node.Name, out var s) ? StateNames.Of(s) : "unknown";
        return new TimelineSample(cluster.Time, services, nodes);
    }

    /// <summary>What the page draws: nodes, services, configuration, load and the log from line <paramref name="logFrom"/>.</summary>
    public SessionView View(int logFrom, int timelineFrom)
    {
        var cluster = Run.Cluster;
        var status = cluster.ReadManagerStatus();
        var config = cluster.ReadServiceConfig();
        string? master = status.MasterNode is { } m && cluster.HasNode(m)
                         && cluster.NodeByName(m).Crm?.State == CrmState.Master ? m : null;
        IReadOnlyDictionary<string, HaManager.Core.Environment.NodeUsage>? usage;
        try { usage = cluster.GetDynamicNodeStats(); }
        catch (HaManager.Core.Environment.HaEnvironmentException) { usage = null; }

        var nodes = cluster.Nodes.Select(n =>
        {
            var lrm = cluster.ReadLrmStatus(n.Name);
            var running = n.RunningServices.Where(kv => kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            NodeLoad? load = usage is not null && usage.TryGetValue(n.Name, out var u)
                ? new NodeLoad(u.Cpu, u.MaxCpu ?? 0, u.Mem, u.MaxMem ?? 0) : null;
            return new NodeView(n.Name, n.Power, n.Network,
                Crm: n.Crm is null ? "stopped" : CrmName(n.Crm.State),
                Lrm: n.Lrm is null ? "stopped" : lrm.State ?? "starting",
                LrmMode: n.Lrm is null ? null : lrm.Mode,
                Status: status.NodeStatus.TryGetValue(n.Name, out var s) ? StateNames.Of(s) : null,
                Watchdog: cluster.HasLiveWatchdog(n),
                Master: n.Name == master,
                Running: running, Load: load);
        }).ToList();

        var sids = config.Keys.Union(status.ServiceStatus.Keys).Order(StringComparer.Ordinal);
        var services = sids.Select(sid =>
        {
            config.TryGetValue(sid, out var cd);
            status.ServiceStatus.TryGetValue(sid, out var sd);
            return new ServiceView(sid,
                State: sd is null ? null : StateNames.Of(sd.State),
                Node: sd?.Node ?? cd?.Node,
                Target: sd?.Target,
                Requested: cd?.State,
                FailedNodes: sd?.FailedNodes,
                RunningOn: cluster.Nodes.Where(n => n.RunningServices.GetValueOrDefault(sid)).Select(n => n.Name).ToList());
        }).ToList();

        var lines = Run.LogText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int from = Math.Clamp(logFrom, 0, lines.Length);
        int tlFrom = Math.Clamp(timelineFrom, 0, _timeline.Count);
        var crs = cluster.Datacenter.Crs.GetValueOrDefault("ha") ?? "basic";
        return new SessionView(
            Source, cluster.Time, Run.ExecutedBatches.Count, Run.FatalError?.Trim(), master, nodes, services,
            cluster.RulesConfig ?? "", cluster.GroupsConfig, crs, cluster.Datacenter.ShutdownPolicy ?? "conditional",
            cluster.Datacenter.FencingMode ?? "watchdog",
            lines.Length, from, lines[from..].Select(LogLine.Parse).ToList(),
            _timeline.Count, tlFrom, _timeline.Skip(tlFrom).ToList());
    }

    private static string CrmName(CrmState state) => state switch
    {
        CrmState.Master => "master",
        CrmState.Slave => "slave",
        CrmState.WaitForQuorum => "wait_for_quorum",
        CrmState.LostManagerLock => "lost_manager_lock",
        _ => state.ToString().ToLowerInvariant(),
    };
}

/// <summary>Every service's state and node and every node's state after one step.</summary>
public sealed record TimelineSample(long Time, SortedDictionary<string, ServicePoint> Services, SortedDictionary<string, string> Nodes);

/// <summary>A service's state and node at one moment.</summary>
public sealed record ServicePoint(string State, string Node);

/// <summary>A node as the page shows it.</summary>
public sealed record NodeView(string Name, bool Power, bool Network, string Crm, string Lrm, string? LrmMode, string? Status,
    bool Watchdog, bool Master, List<string> Running, NodeLoad? Load);

/// <summary>The measured use and the capacity of a node (dynamic statistics).</summary>
public sealed record NodeLoad(double Cpu, double MaxCpu, long Mem, long MaxMem);

/// <summary>A service as the page shows it.</summary>
public sealed record ServiceView(string Sid, string? State, string? Node, string? Target, string? Requested,
    List<string>? FailedNodes, List<string> RunningOn);

/// <summary>One log line split into its columns (<c>level time id: message</c>).</summary>
public sealed record LogLine(string Level, long Time, string Id, string Message, string Text)
{
    /// <summary>Splits a line of the simulator's log; a line of another shape is kept whole as its message.</summary>
    public static LogLine Parse(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^(\S+)\s+(\d+)\s+([^:\s]+):\s?(.*)$");
        return m.Success
            ? new LogLine(m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value, m.Groups[4].Value, text)
            : new LogLine("", 0, "", text, text);
    }
}

/// <summary>Everything the page needs after a request.</summary>
public sealed record SessionView(
    string Source, long Time, int Slots, string? Fatal, string? Master, List<NodeView> Nodes, List<ServiceView> Services,
    string Rules, string? Groups, string Crs, string ShutdownPolicy, string Fencing,
    int LogTotal, int LogFrom, List<LogLine> Log, int TimelineTotal, int TimelineFrom, List<TimelineSample> Timeline);
