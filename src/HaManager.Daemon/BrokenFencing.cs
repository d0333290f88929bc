using HaManager.Core.Environment;

namespace HaManager.Daemon;

/// <summary>
/// A deliberately unsafe master, switched on only by <c>HAMANAGER_TEST_BREAK_FENCING=1</c>: it reports every other
/// node's agent lock as taken at once, so it recovers a lost node's services without waiting for that node to be
/// dead. It exists to prove that the chaos campaign's checker catches an unsafe HA stack (issue "chaos
/// campaigns", bug-injection check); the daemon says so in its log at start.
/// </summary>
public sealed class BrokenFencing(IClusterLocks inner, string localNode) : IClusterLocks
{
    /// <summary>The environment variable that switches it on.</summary>
    public const string Variable = "HAMANAGER_TEST_BREAK_FENCING";

    private bool Faked(string name) => name.StartsWith("ha_agent_", StringComparison.Ordinal) && name != LockNames.Agent(localNode);

    /// <inheritdoc/>
    public LockLease? TryAcquire(string name) => Faked(name) ? new LockLease(name, 0) : inner.TryAcquire(name);

    /// <inheritdoc/>
    public LockLease? TryAcquireRepeatedly(string name) => inner.TryAcquireRepeatedly(name);

    /// <inheritdoc/>
    public bool Release(string name) => inner.Release(name);

    /// <inheritdoc/>
    public LockLease? TakeOver(string name) => inner.TakeOver(name);

    /// <inheritdoc/>
    public long? RenewedSecondsAgo(string name) => inner.RenewedSecondsAgo(name);
}
