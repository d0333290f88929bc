using System.Globalization;
using System.Text.RegularExpressions;
using HaManager.Core;
using HaManager.Core.Crm;
using HaManager.Core.Environment;
using HaManager.Core.Lrm;
using HaManager.Core.Model;

namespace HaManager.Simulator;

/// <summary>
/// The deterministic main loop and script interpreter (simulator §5, §6): every loop gives each node,
/// in ordinal order, one CRM and one LRM iteration, checks the watchdogs, fixes the loop length and
/// applies a command batch every fifth counted loop (<see cref="ScenarioInput.LoopsPerBatch"/>). Single-threaded;
/// no real time anywhere.
/// </summary>
public sealed partial class Simulation
{
    /// <summary>Seconds of simulated time after the last command before the run ends.</summary>
    private const int EndAfterLastCommandSeconds = 500;

    /// <summary>More skipped rounds than fit the longest run are a typo, not a scenario.</summary>
    private const int MaxSkippedRounds = 1000;

    private readonly ScenarioInput _input;
    private readonly SimCluster _cluster;
    private readonly SimLog _log;

    [GeneratedRegex(@"^delay\s+(\d+)\s*$")]
    private static partial Regex DelayCommand();

    [GeneratedRegex(@"^skip-round\s+(lrm|crm)(?:\s+(\d+))?\s*$")]
    private static partial Regex SkipRoundCommand();

    private readonly SimulationOptions _options;

    /// <summary>Builds the simulated cluster; throws <see cref="ScenarioLoadException"/> on bad input.</summary>
    public Simulation(ScenarioInput input, TextWriter? echo = null) : this(input, new SimulationOptions { Echo = echo })
    {
    }

    /// <summary>Builds the simulated cluster with options; throws <see cref="ScenarioLoadException"/> on bad input.</summary>
    public Simulation(ScenarioInput input, SimulationOptions options)
    {
        _input = input;
        _options = options;
        _log = new SimLog(options.Echo);
        _cluster = new SimCluster(input, _log) { Simulation = this };
    }

    /// <summary>The observer of this run, if any.</summary>
    public ISimulationObserver? Observer => _options.Observer;

    /// <summary>The command batches as executed so far (after <see cref="ISimulationObserver.BeforeBatch"/>).</summary>
    public List<List<string>> ExecutedBatches { get; } = [];

    /// <summary>True once the run ended with <c>exit simulation - done</c>.</summary>
    public bool EndedNormally { get; private set; }

    /// <summary>The fatal error that ended the run, if any.</summary>
    public string? FatalError { get; private set; }

    /// <summary>The log written so far.</summary>
    public string LogText => _log.Text;

    /// <summary>The simulated cluster (for invariant checks and tests).</summary>
    public SimCluster Cluster => _cluster;

    /// <summary>Replays a scenario and returns its log.</summary>
    public static string Run(ScenarioInput input, TextWriter? echo = null)
    {
        var sim = new Simulation(input, echo);
        sim.Run();
        return sim.LogText;
    }

    /// <summary>Runs to the end. A fatal error inside the loop is logged, not thrown (simulator §2.5).</summary>
    public void Run()
    {
        _cluster.HardwareLog("info", "starting simulation");
        try
        {
            MainLoop();
            _cluster.HardwareLog("info", "exit simulation - done");
            EndedNormally = true;
        }
        catch (Exception e) when (IsFatal(e))
        {
            EndWith(e);
        }
    }

    /// <summary>An exception that ends a run with an error line in its log, not a crash of the simulator.</summary>
    private static bool IsFatal(Exception e) => e is SimulationFatalException or HaManager.Core.Environment.HaEnvironmentException
        or FormatException or InvariantViolationException;

    private void EndWith(Exception e)
    {
        FatalError = e.Message;
        _cluster.HardwareLog("err", $"exit simulation - {e.Message} ");
    }

    private long _loopCount, _nextCommandAt, _lastCommandTime;
    private int _skipCrm, _skipLrm, _batchIndex;
    private bool _interactive;

    private void MainLoop()
    {
        while (NextLoop()) { }
    }

    /// <summary>One loop: every node's CRM and LRM slots, then, at a batch slot, the next command batch.
    /// False when the run is over (only outside interactive mode: an interactive run never runs out of batches,
    /// its next batch is whatever the user gives).</summary>
    private bool NextLoop()
    {
        int nodeCount = _cluster.Nodes.Count;
        int loopTime = Math.Max(20, 2 * nodeCount);
        if (loopTime >= 60)
            throw new SimulationFatalException("unable to simulate so many nodes. You need to increase watchdog/lock timeouts.\n");

        long loopStart = _cluster.Time;
        bool first = true;
        foreach (var node in _cluster.Nodes)
        {
            RunCrmSlot(node, _skipCrm > 0, first);
            RunLrmSlot(node, _skipLrm > 0, first);
            CheckWatchdogs();
            Observer?.AfterSlot(this);
            first = false;
        }
        if (_skipCrm > 0) _skipCrm--;
        if (_skipLrm > 0) _skipLrm--;
        if (_cluster.Time - loopStart < loopTime) _cluster.Time = loopStart + loopTime;
        if (_cluster.Time > _options.MaxSimulatedSeconds)
            throw new SimulationFatalException($"simulation exceeded maximum time ({_options.MaxSimulatedSeconds}) - force end\n");
        foreach (var node in _cluster.Nodes)
        {
            node.LrmEnv.ForceTimeUpdate();
            node.CrmEnv.ForceTimeUpdate();
        }
        if (_cluster.Time < _nextCommandAt) return true;

        if (_loopCount % _input.LoopsPerBatch == 0)
        {
            if (_batchIndex >= _input.Commands.Count && !_interactive)
            {
                if (_cluster.Time - _lastCommandTime > EndAfterLastCommandSeconds) return false;
            }
            else
            {
                int index = _batchIndex++;
                IReadOnlyList<string> scripted = index < _input.Commands.Count ? _input.Commands[index] : [];
                var batch = Observer?.BeforeBatch(this, index, scripted) ?? scripted;
                ExecutedBatches.Add([.. batch]);
                foreach (var command in batch) ExecuteBatchCommand(command);
                AtBatchSlot = true;
            }
        }
        _loopCount++;
        return true;
    }

    private void ExecuteBatchCommand(string command)
    {
        _lastCommandTime = _cluster.Time;
        Match m;
        if ((m = DelayCommand().Match(command)).Success)
        {
            _cluster.HardwareLog("info", $"execute {command}", "cmdlist");
            if (!long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long delay)
                || delay > _options.MaxSimulatedSeconds)
                throw new SimulationFatalException(
                    $"sim_hardware_cmd: delay '{m.Groups[1].Value}' is out of range (0 to {_options.MaxSimulatedSeconds} seconds)\n");
            _nextCommandAt = _cluster.Time + delay;
        }
        else if ((m = SkipRoundCommand().Match(command)).Success)
        {
            _cluster.HardwareLog("info", $"execute {command}", "cmdlist");
            int rounds = 1;
            if (m.Groups[2].Success
                && (!int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out rounds)
                    || rounds is < 1 or > MaxSkippedRounds))
                throw new SimulationFatalException(
                    $"sim_hardware_cmd: skip-round count '{m.Groups[2].Value}' is out of range (1 to {MaxSkippedRounds})\n");
            if (m.Groups[1].Value == "crm") _skipCrm += rounds;
            else _skipLrm += rounds;
        }
        else ExecuteHardwareCommand(command, "cmdlist");
    }

    /// <summary>Runs one daemon iteration unless its role is skipped this loop; moves the global clock
    /// to the daemon's clock either way. True iff it ran and returned "exit".</summary>
    private bool RunSlot(Func<NextRun> iterate, SimEnvironment env, bool skip, bool first, string skipMessage)
    {
        bool exited = false;
        if (!skip)
        {
            try
            {
                env.LoopStartHook();
                var next = iterate();
                env.LoopEndHook(next);
                exited = next.Exit;
            }
            catch (WatchdogExpiredException e)
            {
                _cluster.Time = Math.Max(_cluster.Time, env.Now);
                WatchdogReset(_cluster.NodeByName(e.Node));
                return false;
            }
        }
        else if (first) _cluster.HardwareLog("info", skipMessage, "run-loop");
        _cluster.Time = Math.Max(_cluster.Time, env.Now);
        if (exited) env.Write(LogLevel.Info, "exit (loop end)");
        return exited;
    }

    private void RunCrmSlot(SimNode node, bool skip, bool first)
    {
        if (node.Crm is not { } crm || !RunSlot(crm.DoOneIteration, node.CrmEnv, skip, first, "skipping CRM round")) return;
        node.Crm = null;
        switch (node.ShutdownFlag)
        {
            case "reboot":
                ExecuteHardwareCommand($"power {node.Name} off", "reboot");
                ExecuteHardwareCommand($"power {node.Name} on", "reboot");
                break;
            case "shutdown":
                ExecuteHardwareCommand($"power {node.Name} off", "shutdown");
                break;
            default:
                if (!node.CrmStop) throw new SimulationFatalException("unexpected CRM exit - not implemented");
                break;
        }
        node.CrmStop = false;
    }

    private void RunLrmSlot(SimNode node, bool skip, bool first)
    {
        if (node.Lrm is not { } lrm || !RunSlot(lrm.DoOneIteration, node.LrmEnv, skip, first, "skipping LRM round")) return;
        node.Lrm = null;
        if (node.LrmRestart)
        {
            if (node.ShutdownFlag is not null)
                throw new SimulationFatalException("lrm restart during shutdown - not implemented");
            node.LrmRestart = false;
            CreateLrm(node);
        }
        else if (node.ShutdownFlag is "reboot" or "shutdown")
            ExecuteHardwareCommand($"crm {node.Name} stop", node.ShutdownFlag);
        else throw new SimulationFatalException("unexpected LRM exit - not implemented");
    }

    private void CheckWatchdogs()
    {
        foreach (var node in _cluster.Nodes)
            if (_cluster.CheckWatchdogExpired(node)) WatchdogReset(node);
    }

    private void WatchdogReset(SimNode node)
    {
        ExecuteHardwareCommand($"power {node.Name} off", "watchdog");
        _cluster.HardwareLog("info", $"server '{node.Name}' stopped by poweroff (watchdog)");
        node.Crm = null;
        node.Lrm = null;
    }

    private HaNode Decorate(HaNode node) => _options.DecorateNode?.Invoke(node) ?? node;

    /// <summary>The CRM never runs jobs: its runner refuses them.</summary>
    private sealed class NoJobs : IJobRunner
    {
        public static NoJobs Instance { get; } = new();
        public int MaxWorkers => 0;
        public void Start(ResourceJob job, Func<int> work) => throw new InvariantViolationException("the CRM started a resource job");
        public IReadOnlyList<JobCompletion> CollectFinished() => [];
    }

    private void CreateCrm(SimNode node) => node.Crm ??= new CrmMachine(Decorate(node.CrmEnv.CreateNode(NoJobs.Instance)
        with { Fencing = new SimFenceDevices(_cluster, node.CrmEnv) }));

    /// <summary>A new LRM gets a new job runner: jobs in flight die with the LRM instance that ran them.</summary>
    private void CreateLrm(SimNode node)
    {
        if (node.Lrm is not null) return;
        var durations = _input.JobDurations;
        var runner = durations is null ? new SimJobRunner(node.LrmEnv)
            : new SimJobRunner(node.LrmEnv, job => IsMove(job.Command) ? durations.GetValueOrDefault(job.Sid) : 0);
        node.Lrm = new LrmMachine(Decorate(node.LrmEnv.CreateNode(runner)), _cluster.LrmStartupGate);
    }

    private static bool IsMove(ServiceState command) =>
        command is ServiceState.Migrate or ServiceState.Relocate or ServiceState.RequestStartBalance;
}
