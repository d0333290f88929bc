namespace HaManager.Core.Tests;

/// <summary>
/// Goal: every timeout derives from the watchdog timeouts, and a budget that would let a lock be taken
/// from a node whose watchdog has not fired yet is refused. Method: the formula on known values, and
/// planted unsafe budgets that <see cref="SafetyBudget.Problems"/> must report.
/// </summary>
public class SafetyBudgetTests
{
    [Test]
    public void Pmxcfs_budget_has_upstreams_values()
    {
        var b = SafetyBudget.Pmxcfs;
        Assert.That((b.LockLifetimeSeconds, b.WatchdogClientTimeoutSeconds, b.FenceDelaySeconds, b.RoundSeconds, b.IdleSleepSeconds),
            Is.EqualTo((120, 60, 60, 10, 5)));
        Assert.That(b.Problems(), Is.Empty);
    }

    [Test]
    public void Derived_lock_lifetime_is_client_plus_tick_plus_device_plus_skew()
    {
        var b = SafetyBudget.Derived(clientTimeoutSeconds: 10, deviceTimeoutSeconds: 5, skewMarginSeconds: 2);
        Assert.That(b.LockLifetimeSeconds, Is.EqualTo(10 + 1 + 5 + 2));
        Assert.That(b.RoundSeconds + b.LockRetryWindowSeconds + 1, Is.LessThan(10), "a healthy node feeds in time");
        Assert.That(b.Problems(), Is.Empty);
    }

    [Test]
    public void A_lock_lifetime_shorter_than_the_watchdog_chain_is_reported()
    {
        var unsafeBudget = SafetyBudget.Pmxcfs with { FixedLockLifetimeSeconds = 70 };
        Assert.That(unsafeBudget.Problems(), Has.Some.Contains("shorter than C + T + D + S = 76 s"));
    }

    [Test]
    public void A_client_timeout_a_healthy_round_cannot_meet_is_reported()
    {
        var b = SafetyBudget.Derived(clientTimeoutSeconds: 3, deviceTimeoutSeconds: 1);
        Assert.That(b.Problems(), Has.Some.Contains("a healthy node would reset itself"));
    }
}
