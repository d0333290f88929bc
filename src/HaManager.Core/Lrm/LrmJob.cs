namespace HaManager.Core.Lrm;

/// <summary>One queued resource action of the LRM (lrm-watchdog-env §6).</summary>
internal sealed class LrmJob
{
    /// <summary>The service.</summary>
    public required string Sid { get; init; }

    /// <summary>The request uid; null for shutdown stop jobs, whose result is never reported.</summary>
    public string? Uid { get; init; }

    /// <summary>The command: the CRM service-state word (<c>started</c>, <c>migrate</c>, …).</summary>
    public required string Command { get; init; }

    /// <summary>Migration target, if any.</summary>
    public string? Target { get; init; }

    /// <summary>Stop timeout, if any.</summary>
    public string? Timeout { get; init; }

    /// <summary>How often the worker pass tried to start it (fairness order).</summary>
    public int StartTries { get; set; }
}
