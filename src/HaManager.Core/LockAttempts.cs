using HaManager.Core.Environment;

namespace HaManager.Core;

/// <summary>The "protected" lock acquisition shared by CRM and LRM (crm-manager §2.4, lrm-watchdog-env §4.2):
/// up to <see cref="Constants.LockAttempts"/> tries one second apart, stopping once more than
/// <see cref="Constants.LockAttemptWindowSeconds"/> have passed.</summary>
internal static class LockAttempts
{
    /// <summary>True as soon as <paramref name="tryOnce"/> succeeds.</summary>
    public static bool TryRepeatedly(IHaEnvironment env, Func<bool> tryOnce)
    {
        long first = env.Now;
        for (int attempt = 1; ; attempt++)
        {
            if (tryOnce()) return true;
            if (attempt >= Constants.LockAttempts || env.Now - first > Constants.LockAttemptWindowSeconds) return false;
            env.Sleep(1);
        }
    }
}
