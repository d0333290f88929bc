using HaManager.Core.Model;

namespace HaManager.Core.Environment;

/// <summary>One resource action the LRM hands to its job runner (lrm-watchdog-env §6).</summary>
/// <param name="Sid">The service.</param>
/// <param name="Uid">The request uid; null for shutdown stop jobs, whose result is never reported.</param>
/// <param name="Command">What to do: the master's service state (<c>started</c>, <c>migrate</c>, …).</param>
/// <param name="Target">Migration target, if any.</param>
/// <param name="Timeout">Stop timeout, if any.</param>
public sealed record ResourceJob(string Sid, string? Uid, ServiceState Command, string? Target, string? Timeout);

/// <summary>A finished job: its service and the exit code of its work (<see cref="Model.ExitCodes"/>).</summary>
public readonly record struct JobCompletion(string Sid, int ExitCode);

/// <summary>
/// Runs the LRM's resource jobs so that a three-minute migration never stalls the iteration that
/// renews the agent lock and feeds the watchdog. The LRM starts jobs and collects finished ones in
/// its worker pass; it never waits for one.
/// <para>Contract: <see cref="Start"/> never blocks on the work (the simulator's runner may run it at
/// once). The work returns an exit code and never throws for expected failures; if it throws
/// anyway the runner reports <see cref="Model.ExitCodes.Crashed"/>. Every started job is reported by
/// <see cref="CollectFinished"/> exactly once, in completion order — unless the node dies first.
/// At most one job per sid runs at a time (the LRM guarantees it).</para>
/// </summary>
public interface IJobRunner
{
    /// <summary>How many jobs may run at once; 0 means no limit (datacenter <c>max_workers</c>, 4 on a real node).</summary>
    int MaxWorkers { get; }

    /// <summary>Starts <paramref name="work"/> for <paramref name="job"/>.</summary>
    void Start(ResourceJob job, Func<int> work);

    /// <summary>The jobs that finished since the last call.</summary>
    IReadOnlyList<JobCompletion> CollectFinished();
}
