using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Lrm;

// Shutdown policies (§5), the worker model (§6), the restart policy (§7) and command execution (§8).
public sealed partial class LrmDaemon
{
    /// <summary>Handles a node shutdown, reboot or LRM restart request (lrm-watchdog-env §5). Idempotent.</summary>
    public void ShutdownRequest()
    {
        if (ShutdownRequested) return;
        var (shutdown, reboot) = _env.IsNodeShutdown();
        string policy = _env.GetDatacenterSettings().ShutdownPolicy ?? "conditional";
        bool inMaintenance = Mode == LrmModes.Maintenance;
        string kind = reboot ? "reboot" : "shutdown";

        if (shutdown) _env.Log(LogLevel.Info, $"got shutdown request with shutdown policy '{policy}'");
        bool freeze = false, migrate = false;
        switch (policy)
        {
            case "conditional": freeze = reboot; break;
            case "freeze": freeze = true; break;
            case "failover": freeze = false; break;
            case "migrate": migrate = true; break;
            default:
                _env.Log(LogLevel.Err, $"unknown shutdown policy '{policy}', fall back to conditional");
                freeze = reboot;
                break;
        }

        if (shutdown && !migrate)
            foreach (var (sid, sd) in _serviceStatus)
                if (sd.Node == _env.NodeName) QueueResourceCommand(sid, uid: null, "request_stop", null, null);

        if (shutdown && inMaintenance && migrate)
            _env.Log(LogLevel.Info, $"{kind} LRM, ignore maintenance policy, already in maintenance mode");
        else if (shutdown && inMaintenance)
            _env.Log(LogLevel.Info, $"{kind} LRM, ignore {policy} policy as manual maintenance mode is enabled");
        else if (shutdown && migrate)
        {
            _env.Log(LogLevel.Info, $"{kind} LRM, doing maintenance, removing this node from active list");
            Mode = LrmModes.Maintenance;
        }
        else if (shutdown && freeze)
        {
            _env.Log(LogLevel.Info, $"{kind} LRM, stop and freeze all services");
            Mode = LrmModes.Restart;
        }
        else if (shutdown)
        {
            _env.Log(LogLevel.Info, "shutdown LRM, stop all services");
            Mode = LrmModes.Shutdown;
        }
        else if (inMaintenance)
            _env.Log(LogLevel.Info, "Restarting LRM in maintenance mode may be delayed until all services are moved");
        else
        {
            _env.Log(LogLevel.Info, "restart LRM, freeze all services");
            Mode = LrmModes.Restart;
        }

        _shutdownRequestTime = _env.Now;
        if (!UpdateLrmStatus()) _env.Log(LogLevel.Err, "unable to update lrm status file - not quorate?");
    }

    /// <summary>Queues the current request of every local service and runs the worker pass (§6.1).</summary>
    private int ManageResources()
    {
        foreach (var sid in _restartTries.Keys.Where(s => !_serviceStatus.ContainsKey(s)).ToList())
            _restartTries.Remove(sid);
        _failedToStop.RemoveWhere(s => !_serviceStatus.ContainsKey(s));
        foreach (var (sid, sd) in _serviceStatus)
        {
            if (sd.Node != _env.NodeName || sd.Uid.Length == 0) continue;
            if (sd.State is ServiceState.Recovery or ServiceState.Freeze or ServiceState.RequestStart) continue;
            QueueResourceCommand(sid, sd.Uid, StateNames.Of(sd.State), sd.Target, sd.Timeout);
        }
        return RunWorkers();
    }

    /// <summary>
    /// While the LRM restarts it waits for its services to be frozen, and the master freezes only started
    /// and stopped ones: a migrate or relocate ordered just before (or during) the restart would never run
    /// and the service would hang in that state (found by the fuzzer; upstream behaves so). Finishing the
    /// moves lets the master settle them and the LRM exit.
    /// </summary>
    private void FinishPendingMoves()
    {
        foreach (var (sid, sd) in _serviceStatus)
            if (sd.Node == _env.NodeName && sd.Uid.Length > 0
                && sd.State is ServiceState.Migrate or ServiceState.Relocate or ServiceState.RequestStartBalance)
                QueueResourceCommand(sid, sd.Uid, StateNames.Of(sd.State), sd.Target, sd.Timeout);
    }

    private void QueueResourceCommand(string sid, string? uid, string command, string? target, string? timeout)
    {
        // Each CRM request runs once; 'stopped' is enforced every round.
        if (command != "stopped" && uid is not null && _results.ContainsKey(uid)) return;
        _jobs[sid] = new LrmJob { Sid = sid, Uid = uid, Command = command, Target = target, Timeout = timeout };
    }

    /// <summary>
    /// One worker pass (§6.3): jobs ordered by start tries (descending) then sid, executed inline in
    /// this environment, one after another. Returns the number of jobs left. Parallel workers for
    /// <see cref="IHaEnvironment.MaxWorkers"/> &gt; 0 belong to the real daemons.
    /// </summary>
    private int RunWorkers()
    {
        if (_jobs.Count == 0) return 0;
        SortedMap<ServiceConfigEntry> config;
        try { config = _env.ReadServiceConfig(); }
        catch (HaEnvironmentException e)
        {
            // Upstream lets this escape wherever the pass is evaluated outside the guarded work block
            // (state-change phase, maintenance), ending the daemon — and with its watchdog open, the node.
            // Found by the fuzzer. The jobs simply wait for the next round.
            _env.Log(LogLevel.Err, $"got unexpected error - {e.Message}");
            return _jobs.Count;
        }
        // The service status does not change during a pass: compute the live uids once.
        var liveUids = _serviceStatus.Values.Select(sd => sd.Uid).ToHashSet(StringComparer.Ordinal);
        bool anyReported = false;
        var order = _jobs.Values.OrderByDescending(j => j.StartTries).ThenBy(j => j.Sid, StringComparer.Ordinal).ToList();
        foreach (var job in order)
        {
            job.StartTries++;
            int status;
            try { status = ExecuteCommand(job, config); }
            catch (Exception e) when (e is HaEnvironmentException or FormatException or InvalidOperationException)
            {
                _env.Log(LogLevel.Err, e.Message);
                status = ExitCodes.Crashed;
            }
            _jobs.Remove(job.Sid);
            RecordResult(job, status, config);
            anyReported |= job.Uid is not null;
        }
        // Keep only results the master still asks about. Upstream prunes after every finished job; once
        // per pass gives the same map, since nothing reads it in between and new uids are all live.
        if (anyReported)
            foreach (var uid in _results.Keys.Where(u => !liveUids.Contains(u)).ToList()) _results.Remove(uid);
        return _jobs.Count;
    }

    private void RecordResult(LrmJob job, int status, IReadOnlyDictionary<string, ServiceConfigEntry> config)
    {
        int exitCode = status;
        if (status == ExitCodes.Crashed)
            _env.Log(LogLevel.Err, $"resource agent {job.Sid} finished - failed to execute");
        if (job.Command is "request_stop" or "stopped")
        {
            if (exitCode == ExitCodes.Error) _failedToStop.Add(job.Sid);
            else if (exitCode == ExitCodes.Success) _failedToStop.Remove(job.Sid);
        }
        else if (exitCode == ExitCodes.Success && job.Command is "migrate" or "relocate") _failedToStop.Remove(job.Sid);

        if (job.Uid is null)
        {
            if (exitCode != ExitCodes.Success) _shutdownErrors++;
            return;
        }

        exitCode = ApplyRestartPolicy(job, exitCode, config);
        if (exitCode == ExitCodes.TryAgain) return;
        _results[job.Uid] = new LrmResult(job.Sid, job.Command, exitCode);
    }

    /// <summary>max_restart: a failed start is retried on this node before the CRM hears of it (§7).</summary>
    private int ApplyRestartPolicy(LrmJob job, int exitCode, IReadOnlyDictionary<string, ServiceConfigEntry> config)
    {
        if (job.Command != "started") return exitCode;
        int maxRestart = config.TryGetValue(job.Sid, out var cd) ? cd.MaxRestart : 0;
        if (exitCode == ExitCodes.Success)
        {
            _restartTries[job.Sid] = 0;
            return exitCode;
        }
        if (exitCode != ExitCodes.Error) return exitCode;

        int tries = _restartTries.TryGetValue(job.Sid, out int t) ? t : 0;
        if (tries >= maxRestart)
        {
            _env.Log(LogLevel.Err, $"unable to start service {job.Sid} on local node after {tries} retries");
            _restartTries[job.Sid] = 0;
            return ExitCodes.Error;
        }
        _restartTries[job.Sid] = tries + 1;
        _env.Log(LogLevel.Warning, $"restart policy: retry number {tries + 1} for service '{job.Sid}'");
        return ExitCodes.TryAgain;
    }

    /// <summary>Executes one command through the resource agent (§8).</summary>
    private int ExecuteCommand(LrmJob job, IReadOnlyDictionary<string, ServiceConfigEntry> config)
    {
        string sid = job.Sid;
        var (type, _) = ServiceId.Parse(sid);
        var agent = _env.GetResourceAgent(type);
        if (agent is null)
        {
            _env.Log(LogLevel.Err, $"service type '{type}' not implemented");
            return ExitCodes.UnknownServiceType;
        }
        if (!config.TryGetValue(sid, out var cd))
        {
            _env.Log(LogLevel.Err, $"missing resource configuration for '{sid}'");
            return ExitCodes.UnknownService;
        }
        if (job.Command == "error")
        {
            _env.Log(LogLevel.Err,
                $"service {sid} is in an error state and needs manual intervention. Look up 'ERROR RECOVERY' in the documentation.");
            return ExitCodes.Success;
        }
        if (cd.Node != _env.NodeName)
        {
            _env.Log(LogLevel.Err, $"service '{sid}' not on this node");
            return ExitCodes.WrongNode;
        }

        bool running = agent.CheckRunning(sid);
        switch (job.Command)
        {
            case "started":
                if (running) return ExitCodes.Success;
                _env.Log(LogLevel.Info, $"starting service {sid}");
                agent.Start(sid);
                if (agent.CheckRunning(sid))
                {
                    _env.Log(LogLevel.Info, $"service status {sid} started");
                    return ExitCodes.Success;
                }
                _env.Log(LogLevel.Warning, $"unable to start service {sid}");
                return ExitCodes.Error;

            case "request_stop" or "stopped":
                if (!running) return ExitCodes.Success;
                _env.Log(LogLevel.Info, job.Timeout is null
                    ? $"stopping service {sid}"
                    : $"stopping service {sid} (timeout={job.Timeout})");
                agent.Shutdown(sid, job.Timeout);
                if (!agent.CheckRunning(sid))
                {
                    _env.Log(LogLevel.Info, $"service status {sid} stopped");
                    return ExitCodes.Success;
                }
                _env.Log(LogLevel.Info, $"unable to stop service {sid} (still running)");
                return ExitCodes.Error;

            case "migrate" or "relocate" or "request_start_balance":
                if (job.Target is null) throw new InvalidOperationException($"{job.Command} '{sid}' failed - missing target\n");
                if (cd.Node == job.Target) return ExitCodes.Success;
                if (job.Command == "request_start_balance" && running)
                {
                    _env.Log(LogLevel.Info, $"ignoring rebalance-on-start for service {sid} - already running");
                    return ExitCodes.Ignored;
                }
                if (agent.Migrate(sid, job.Target, online: job.Command == "migrate")) return ExitCodes.Success;
                _env.Log(LogLevel.Err, $"service {sid} not moved (migration error)");
                return ExitCodes.Error;

            default:
                _env.Log(LogLevel.Err, $"implement me (cmd '{job.Command}')");
                return ExitCodes.UnknownCommand;
        }
    }
}
