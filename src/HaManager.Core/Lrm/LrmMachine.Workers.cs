using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Lrm;

// Shutdown policies (§5), the worker model (§6), the restart policy (§7) and command execution (§8).
public sealed partial class LrmMachine
{
    /// <summary>Handles a node shutdown, reboot or LRM restart request (lrm-watchdog-env §5). Idempotent.</summary>
    public void ShutdownRequest()
    {
        if (ShutdownRequested) return;
        var (shutdown, reboot) = _node.Membership.IsNodeShutdown();
        string policy = _node.Store.GetDatacenterSettings().ShutdownPolicy ?? "conditional";
        bool inMaintenance = Mode == LrmMode.Maintenance;
        string kind = reboot ? "reboot" : "shutdown";

        if (shutdown) _log.Write(LogLevel.Info, $"got shutdown request with shutdown policy '{policy}'");
        bool freeze = false, migrate = false;
        switch (policy)
        {
            case "conditional": freeze = reboot; break;
            case "freeze": freeze = true; break;
            case "failover": freeze = false; break;
            case "migrate": migrate = true; break;
            default:
                _log.Write(LogLevel.Err, $"unknown shutdown policy '{policy}', fall back to conditional");
                freeze = reboot;
                break;
        }

        if (shutdown && !migrate)
            foreach (var (sid, sd) in _serviceStatus)
                if (sd.Node == _node.Name) QueueResourceCommand(sid, uid: null, ServiceState.RequestStop, null, null);

        if (shutdown && inMaintenance && migrate)
            _log.Write(LogLevel.Info, $"{kind} LRM, ignore maintenance policy, already in maintenance mode");
        else if (shutdown && inMaintenance)
            _log.Write(LogLevel.Info, $"{kind} LRM, ignore {policy} policy as manual maintenance mode is enabled");
        else if (shutdown && migrate)
        {
            _log.Write(LogLevel.Info, $"{kind} LRM, doing maintenance, removing this node from active list");
            Mode = LrmMode.Maintenance;
        }
        else if (shutdown && freeze)
        {
            _log.Write(LogLevel.Info, $"{kind} LRM, stop and freeze all services");
            Mode = LrmMode.Restart;
        }
        else if (shutdown)
        {
            _log.Write(LogLevel.Info, "shutdown LRM, stop all services");
            Mode = LrmMode.Shutdown;
        }
        else if (inMaintenance)
            _log.Write(LogLevel.Info, "Restarting LRM in maintenance mode may be delayed until all services are moved");
        else
        {
            _log.Write(LogLevel.Info, "restart LRM, freeze all services");
            Mode = LrmMode.Restart;
        }

        _shutdownRequestTime = _node.Clock.MonotonicSeconds;
        if (!UpdateLrmStatus()) _log.Write(LogLevel.Err, "unable to update lrm status file - not quorate?");
    }

    /// <summary>Queues the current request of every local service and runs the worker pass (§6.1).</summary>
    private int ManageResources()
    {
        foreach (var sid in _restartTries.Keys.Where(s => !_serviceStatus.ContainsKey(s)).ToList())
            _restartTries.Remove(sid);
        _failedToStop.RemoveWhere(s => !_serviceStatus.ContainsKey(s));
        foreach (var (sid, sd) in _serviceStatus)
        {
            if (sd.Node != _node.Name || sd.Uid.Length == 0) continue;
            if (sd.State is ServiceState.Recovery or ServiceState.Freeze or ServiceState.RequestStart) continue;
            QueueResourceCommand(sid, sd.Uid, sd.State, sd.Target, sd.Timeout);
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
            if (sd.Node == _node.Name && sd.Uid.Length > 0
                && sd.State is ServiceState.Migrate or ServiceState.Relocate or ServiceState.RequestStartBalance)
                QueueResourceCommand(sid, sd.Uid, sd.State, sd.Target, sd.Timeout);
    }

    private void QueueResourceCommand(string sid, string? uid, ServiceState command, string? target, string? timeout)
    {
        // Each CRM request runs once; 'stopped' is enforced every round.
        if (command != ServiceState.Stopped && uid is not null && _results.ContainsKey(uid)) return;
        // A running job is never replaced (one job per sid at a time); a queued one is.
        if (_jobs.TryGetValue(sid, out var existing) && existing.Running) return;
        _jobs[sid] = new LrmJob(new ResourceJob(sid, uid, command, target, timeout));
    }

    /// <summary>Jobs queued or running; what the state-change phase asks instead of running a pass.</summary>
    private int OutstandingJobs => _jobs.Count;

    /// <summary>
    /// One worker pass (§6.3) without waiting: collects the jobs the runner finished, then hands queued
    /// jobs to it — ordered by start tries (descending) then sid, at most
    /// <see cref="IJobRunner.MaxWorkers"/> running at once — collecting again after each start, so a
    /// runner that finishes jobs at once (the simulator's) gives upstream's inline order exactly.
    /// A job still running is collected by a later pass. Returns the number of jobs left.
    /// </summary>
    private int RunWorkers()
    {
        if (_jobs.Count == 0) return 0;
        SortedMap<ServiceConfigEntry> config;
        try { config = _node.Store.ReadServiceConfig(); }
        catch (HaEnvironmentException e)
        {
            // Upstream lets this escape wherever the pass is evaluated outside the guarded work block
            // (state-change phase, maintenance), ending the daemon — and with its watchdog open, the node.
            // Found by the fuzzer. The jobs simply wait for the next round.
            _log.Write(LogLevel.Err, $"got unexpected error - {e.Message}");
            return _jobs.Count;
        }
        // The service status does not change during a pass: compute the live uids once.
        var liveUids = _serviceStatus.Values.Select(sd => sd.Uid).ToHashSet(StringComparer.Ordinal);
        bool anyReported = CollectFinishedJobs(config);
        int maxWorkers = _node.Jobs.MaxWorkers;
        var order = _jobs.Values.Where(j => !j.Running)
            .OrderByDescending(j => j.StartTries).ThenBy(j => j.Sid, StringComparer.Ordinal).ToList();
        foreach (var job in order)
        {
            job.StartTries++;
            if (maxWorkers > 0 && _jobs.Values.Count(j => j.Running) >= maxWorkers) continue;
            job.Running = true;
            config.TryGetValue(job.Sid, out var cd);
            _node.Jobs.Start(job.Spec, () => ExecuteGuarded(job.Spec, cd));
            anyReported |= CollectFinishedJobs(config);
        }
        // Keep only results the master still asks about. Upstream prunes after every finished job; once
        // per pass gives the same map, since nothing reads it in between and new uids are all live.
        if (anyReported)
            foreach (var uid in _results.Keys.Where(u => !liveUids.Contains(u)).ToList()) _results.Remove(uid);
        return _jobs.Count;
    }

    /// <summary>Records every job the runner finished; true iff one of them had a uid (a result to report).</summary>
    private bool CollectFinishedJobs(IReadOnlyDictionary<string, ServiceConfigEntry> config)
    {
        bool anyReported = false;
        foreach (var done in _node.Jobs.CollectFinished())
        {
            if (!_jobs.TryGetValue(done.Sid, out var job) || !job.Running)
                throw new InvariantViolationException($"job runner finished a job for '{done.Sid}' that is not running");
            _jobs.Remove(done.Sid);
            RecordResult(job.Spec, done.ExitCode, config);
            anyReported |= job.Spec.Uid is not null;
        }
        return anyReported;
    }

    private void RecordResult(ResourceJob job, int status, IReadOnlyDictionary<string, ServiceConfigEntry> config)
    {
        int exitCode = status;
        if (status == ExitCodes.Crashed)
            _log.Write(LogLevel.Err, $"resource agent {job.Sid} finished - failed to execute");
        if (job.Command is ServiceState.RequestStop or ServiceState.Stopped)
        {
            if (exitCode == ExitCodes.Error) _failedToStop.Add(job.Sid);
            else if (exitCode == ExitCodes.Success) _failedToStop.Remove(job.Sid);
        }
        else if (exitCode == ExitCodes.Success && job.Command is ServiceState.Migrate or ServiceState.Relocate)
            _failedToStop.Remove(job.Sid);

        if (job.Uid is null)
        {
            if (exitCode != ExitCodes.Success) _shutdownErrors++;
            return;
        }

        exitCode = ApplyRestartPolicy(job, exitCode, config);
        if (exitCode == ExitCodes.TryAgain) return;
        _results[job.Uid] = new LrmResult(job.Sid, StateNames.Of(job.Command), exitCode);
    }

    /// <summary>max_restart: a failed start is retried on this node before the CRM hears of it (§7).</summary>
    private int ApplyRestartPolicy(ResourceJob job, int exitCode, IReadOnlyDictionary<string, ServiceConfigEntry> config)
    {
        if (job.Command != ServiceState.Started) return exitCode;
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
            _log.Write(LogLevel.Err, $"unable to start service {job.Sid} on local node after {tries} retries");
            _restartTries[job.Sid] = 0;
            return ExitCodes.Error;
        }
        _restartTries[job.Sid] = tries + 1;
        _log.Write(LogLevel.Warning, $"restart policy: retry number {tries + 1} for service '{job.Sid}'");
        return ExitCodes.TryAgain;
    }

    /// <summary>The work of one job, as the runner runs it: an expected failure is logged with its text
    /// and reported as <see cref="ExitCodes.Crashed"/> (§6.3).</summary>
    private int ExecuteGuarded(ResourceJob job, ServiceConfigEntry? cd)
    {
        try { return ExecuteCommand(job, cd); }
        catch (Exception e) when (e is HaEnvironmentException or FormatException or InvalidOperationException)
        {
            _log.Write(LogLevel.Err, e.Message);
            return ExitCodes.Crashed;
        }
    }

    /// <summary>Executes one command through the resource agent (§8). Touches no LRM state: a real
    /// runner calls it on a worker while the LRM goes on.</summary>
    private int ExecuteCommand(ResourceJob job, ServiceConfigEntry? cd)
    {
        string sid = job.Sid;
        var (type, _) = ServiceId.Parse(sid);
        var agent = _node.Agents.For(type);
        if (agent is null)
        {
            _log.Write(LogLevel.Err, $"service type '{type}' not implemented");
            return ExitCodes.UnknownServiceType;
        }
        if (cd is null)
        {
            _log.Write(LogLevel.Err, $"missing resource configuration for '{sid}'");
            return ExitCodes.UnknownService;
        }
        if (job.Command == ServiceState.Error)
        {
            _log.Write(LogLevel.Err,
                $"service {sid} is in an error state and needs manual intervention. Look up 'ERROR RECOVERY' in the documentation.");
            return ExitCodes.Success;
        }
        if (cd.Node != _node.Name)
        {
            _log.Write(LogLevel.Err, $"service '{sid}' not on this node");
            return ExitCodes.WrongNode;
        }

        bool running = agent.CheckRunning(sid);
        switch (job.Command)
        {
            case ServiceState.Started:
                if (running) return ExitCodes.Success;
                _log.Write(LogLevel.Info, $"starting service {sid}");
                agent.Start(sid);
                if (agent.CheckRunning(sid))
                {
                    _log.Write(LogLevel.Info, $"service status {sid} started");
                    return ExitCodes.Success;
                }
                _log.Write(LogLevel.Warning, $"unable to start service {sid}");
                return ExitCodes.Error;

            case ServiceState.RequestStop or ServiceState.Stopped:
                if (!running) return ExitCodes.Success;
                _log.Write(LogLevel.Info, job.Timeout is null
                    ? $"stopping service {sid}"
                    : $"stopping service {sid} (timeout={job.Timeout})");
                agent.Shutdown(sid, job.Timeout);
                if (!agent.CheckRunning(sid))
                {
                    _log.Write(LogLevel.Info, $"service status {sid} stopped");
                    return ExitCodes.Success;
                }
                _log.Write(LogLevel.Info, $"unable to stop service {sid} (still running)");
                return ExitCodes.Error;

            case ServiceState.Migrate or ServiceState.Relocate or ServiceState.RequestStartBalance:
                string command = StateNames.Of(job.Command);
                if (job.Target is null) throw new InvalidOperationException($"{command} '{sid}' failed - missing target\n");
                if (cd.Node == job.Target) return ExitCodes.Success;
                if (job.Command == ServiceState.RequestStartBalance && running)
                {
                    _log.Write(LogLevel.Info, $"ignoring rebalance-on-start for service {sid} - already running");
                    return ExitCodes.Ignored;
                }
                if (agent.Migrate(sid, job.Target, online: job.Command == ServiceState.Migrate)) return ExitCodes.Success;
                _log.Write(LogLevel.Err, $"service {sid} not moved (migration error)");
                return ExitCodes.Error;

            default:
                _log.Write(LogLevel.Err, $"implement me (cmd '{StateNames.Of(job.Command)}')");
                return ExitCodes.UnknownCommand;
        }
    }
}
