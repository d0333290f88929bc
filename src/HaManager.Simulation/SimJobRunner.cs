using HaManager.Core.Environment;

namespace HaManager.Simulator;

/// <summary>
/// The simulator's job runner, one per LRM instance (it dies with the LRM, as forked workers die with
/// their node). A job whose duration is 0 runs at once inside <see cref="Start"/>, so the worker pass
/// collects it straight away and the log is upstream's inline order. A job with a duration of N
/// virtual seconds waits: its work runs when the LRM first collects at or after start + N, so a slow
/// migration keeps the service where it was, and the LRM busy, for that long.
/// </summary>
/// <param name="clock">The LRM's clock.</param>
/// <param name="durationOf">Virtual seconds a job takes (0 for all in upstream scenarios).</param>
public sealed class SimJobRunner(IClock clock, Func<ResourceJob, long> durationOf) : IJobRunner
{
    private readonly List<(ResourceJob Job, Func<int> Work, long Due)> _pending = [];
    private readonly List<JobCompletion> _finished = [];

    /// <summary>A runner whose jobs all finish at once.</summary>
    public SimJobRunner(IClock clock) : this(clock, _ => 0)
    {
    }

    /// <inheritdoc/>
    public int MaxWorkers => 0;

    /// <summary>Jobs started and not yet finished.</summary>
    public int Pending => _pending.Count;

    /// <inheritdoc/>
    public void Start(ResourceJob job, Func<int> work)
    {
        long duration = durationOf(job);
        if (duration <= 0) _finished.Add(new JobCompletion(job.Sid, work()));
        else _pending.Add((job, work, clock.MonotonicSeconds + duration));
    }

    /// <inheritdoc/>
    public IReadOnlyList<JobCompletion> CollectFinished()
    {
        long now = clock.MonotonicSeconds;
        for (int i = 0; i < _pending.Count;)
        {
            var (job, work, due) = _pending[i];
            if (due > now) { i++; continue; }
            _pending.RemoveAt(i);
            _finished.Add(new JobCompletion(job.Sid, work()));
        }
        if (_finished.Count == 0) return [];
        var done = _finished.ToList();
        _finished.Clear();
        return done;
    }
}
