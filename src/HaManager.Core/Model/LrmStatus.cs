namespace HaManager.Core.Model;

/// <summary>The outcome of one LRM request, reported under the request's uid (lrm-watchdog-env §1.2).</summary>
/// <param name="Sid">The service.</param>
/// <param name="State">The command that was executed (the CRM state word).</param>
/// <param name="ExitCode">See <see cref="ExitCodes"/>.</param>
public sealed record LrmResult(string Sid, string State, int ExitCode);

/// <summary>What an LRM advertises to the master (lrm-watchdog-env §3). On disk as the words of
/// <see cref="LrmModes"/>.</summary>
public enum LrmMode
{
    /// <summary><c>active</c>: normal operation.</summary>
    Active,
    /// <summary><c>restart</c>: freeze my services (LRM restart, or reboot with a freezing policy).</summary>
    Restart,
    /// <summary><c>shutdown</c>: the node powers off; services are stopped, not frozen.</summary>
    Shutdown,
    /// <summary><c>maintenance</c>: manual maintenance or shutdown with the migrate policy.</summary>
    Maintenance,
    /// <summary><c>disarm</c>: the HA stack is being disarmed.</summary>
    Disarm,
    /// <summary><c>unknown</c> (the status file does not exist on a real node), or a word this version
    /// does not know: equal to none of the others, as upstream's string comparisons treat it.</summary>
    Unknown,
}

/// <summary>The on-disk words of <see cref="LrmMode"/>.</summary>
public static class LrmModes
{
    /// <summary>The word written to the LRM status.</summary>
    public static string Name(LrmMode mode) => mode switch
    {
        LrmMode.Active => "active",
        LrmMode.Restart => "restart",
        LrmMode.Shutdown => "shutdown",
        LrmMode.Maintenance => "maintenance",
        LrmMode.Disarm => "disarm",
        LrmMode.Unknown => "unknown",
    };

    /// <summary>The mode a status word names; null for an absent word, <see cref="LrmMode.Unknown"/> for
    /// one not known here.</summary>
    public static LrmMode? Parse(string? word) => word switch
    {
        null => null,
        "active" => LrmMode.Active,
        "restart" => LrmMode.Restart,
        "shutdown" => LrmMode.Shutdown,
        "maintenance" => LrmMode.Maintenance,
        "disarm" => LrmMode.Disarm,
        _ => LrmMode.Unknown,
    };
}

/// <summary>The status file an LRM writes each round (lrm-watchdog-env §1.2, config-cli §8.2).</summary>
public sealed class LrmStatus
{
    /// <summary>The LRM state word (<c>active</c>, <c>wait_for_agent_lock</c>, …); null when absent.</summary>
    public string? State { get; set; }

    /// <summary>The mode word; null when absent (readers treat that as <c>active</c>).</summary>
    public string? Mode { get; set; }

    /// <summary>uid → result.</summary>
    public Dictionary<string, LrmResult> Results { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Time of the write; null when absent.</summary>
    public long? Timestamp { get; set; }

    /// <summary>A deep copy (results are immutable records).</summary>
    public LrmStatus Clone() => new()
    {
        State = State,
        Mode = Mode,
        Results = new Dictionary<string, LrmResult>(Results, StringComparer.Ordinal),
        Timestamp = Timestamp,
    };
}

/// <summary>LRM result codes (lrm-watchdog-env §8.1).</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;
    /// <summary>Failed.</summary>
    public const int Error = 1;
    /// <summary>Retry later; never published.</summary>
    public const int TryAgain = 2;
    /// <summary>The service configuration lives on another node.</summary>
    public const int WrongNode = 3;
    /// <summary>No plugin for the service type.</summary>
    public const int UnknownServiceType = 4;
    /// <summary>Unknown command.</summary>
    public const int UnknownCommand = 5;
    /// <summary>Reserved.</summary>
    public const int InvalidParameter = 6;
    /// <summary>No service configuration.</summary>
    public const int UnknownService = 7;
    /// <summary>Rebalance-on-start ignored because the service already runs.</summary>
    public const int Ignored = 8;
    /// <summary>The agent raised an exception or could not be executed.</summary>
    public const int Crashed = -1;
}
