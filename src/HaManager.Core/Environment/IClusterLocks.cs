namespace HaManager.Core.Environment;

/// <summary>
/// A held cluster lock: its name and the fencing token the store issued when this holder took it.
/// The store checks the token on every write only the holder may do (manager status, service
/// stealing), so a deposed holder that wakes up late — a paused process, a slow disk — cannot
/// overwrite what its successor wrote.
/// </summary>
/// <param name="Name">The lock (<see cref="LockNames"/>).</param>
/// <param name="Token">Issued when the lock changed hands; renewals keep it. Never issued twice for
/// one lock, and a later holder's token is greater.</param>
public sealed record LockLease(string Name, long Token);

/// <summary>The cluster lock names (lrm-watchdog-env §13.2).</summary>
public static class LockNames
{
    /// <summary><c>ha_manager_lock</c>: held by the master CRM.</summary>
    public const string Manager = "ha_manager_lock";

    /// <summary><c>ha_agent_&lt;node&gt;_lock</c>: held by that node's LRM while it runs services; the
    /// master takes it to prove the node fenced.</summary>
    public static string Agent(string node) => $"ha_agent_{node}_lock";
}

/// <summary>
/// Cluster-wide locks with expiry (pmxcfs or etcd semantics). A lock not renewed for its lifetime
/// (<see cref="SafetyBudget.LockLifetimeSeconds"/>) may be taken by another node; the safety budget
/// makes sure the old holder's watchdog has reset it by then.
/// <para>Contract: operations never throw — a store that cannot be reached, or a node that is not
/// quorate, answers null or false. Acquiring a lock the caller already holds renews it and returns
/// the same token.</para>
/// </summary>
public interface IClusterLocks
{
    /// <summary>One attempt to acquire or renew <paramref name="name"/>; null if it failed.</summary>
    LockLease? TryAcquire(string name);

    /// <summary>
    /// The "protected" acquisition of the CRM and LRM (crm-manager §2.4, lrm-watchdog-env §4.2):
    /// repeated attempts within the implementation's retry window — on a real node about one second
    /// apart for up to five seconds; in the simulator six attempts at the same instant. Null if all failed.
    /// </summary>
    LockLease? TryAcquireRepeatedly(string name);

    /// <summary>Releases a lock the caller holds; false if that failed (it then expires).</summary>
    bool Release(string name);

    /// <summary>
    /// Takes <paramref name="name"/> whatever its age, with a new fencing token: the master's act once a fence
    /// device confirmed the holder powered off, or an operator acknowledged it (crm-manager §6.4, hardware
    /// path). The old holder's guarded writes fail from then on. Null if the store refused.
    /// </summary>
    LockLease? TakeOver(string name);

    /// <summary>How many seconds ago <paramref name="name"/> was last renewed (the store's view, HA seconds); null
    /// when it is free or expired, or the store cannot tell.</summary>
    long? RenewedSecondsAgo(string name);
}
