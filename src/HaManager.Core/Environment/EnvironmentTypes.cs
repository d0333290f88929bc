using HaManager.Core.Model;

namespace HaManager.Core.Environment;

/// <summary>Log levels the core uses. The simulator prints the first four letters of
/// <see cref="LogLevels.Name"/>; the daemons map them onto syslog/journal priorities.</summary>
public enum LogLevel
{
    /// <summary>Dropped by the simulator.</summary>
    Debug,
    /// <summary>Normal progress.</summary>
    Info,
    /// <summary>Worth noticing.</summary>
    Notice,
    /// <summary>Something went wrong but is handled.</summary>
    Warning,
    /// <summary>An error.</summary>
    Err,
    /// <summary>A fence notification (the simulator logs it as one line).</summary>
    Email,
}

/// <summary>Names of <see cref="LogLevel"/> as upstream passes them to its logger.</summary>
public static class LogLevels
{
    /// <summary>The level word.</summary>
    public static string Name(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Notice => "notice",
        LogLevel.Warning => "warning",
        LogLevel.Err => "err",
        LogLevel.Email => "email",
    };
}

/// <summary>An environment operation failed in an expected way (the cluster file system is not
/// mounted, a config cannot be read…). The core catches it where upstream does and logs its message.</summary>
public sealed class HaEnvironmentException(string message) : Exception(message);

/// <summary>Membership as one node sees it.</summary>
/// <param name="Online">Every cluster member → online flag (all false while not quorate).</param>
/// <param name="Quorate">Whether the cluster is quorate.</param>
public sealed record NodeInfo(IReadOnlyDictionary<string, bool> Online, bool Quorate);

/// <summary>The HA-relevant parts of the datacenter configuration.</summary>
/// <param name="ShutdownPolicy"><c>ha: shutdown_policy</c>, null when not set (then <c>conditional</c>).</param>
/// <param name="Crs">The <c>crs</c> property string as key → value (e.g. <c>ha</c> → <c>static</c>).</param>
public sealed record DatacenterSettings(string? ShutdownPolicy, IReadOnlyDictionary<string, string> Crs)
{
    /// <summary><c>max_workers</c>: parallel LRM workers; null means the default (4 on a real cluster).</summary>
    public int? MaxWorkers { get; init; }

    /// <summary><c>fencing</c>: <c>watchdog</c> (default), <c>hardware</c> or <c>both</c>; null when not set.</summary>
    public string? FencingMode { get; init; }

    /// <summary>No settings at all.</summary>
    public static DatacenterSettings Empty { get; } =
        new(null, new Dictionary<string, string>(StringComparer.Ordinal));
}

/// <summary>A resource the cluster knows about, HA-managed or not, for usage accounting (crm-manager §9.1).</summary>
/// <param name="Node">Where it lives.</param>
/// <param name="State">Its requested state (simulator) or <c>started</c>/<c>stopped</c> (real).</param>
/// <param name="Running">Whether it counts as running.</param>
/// <param name="Static">Configured maxima (static scheduler); null when unknown.</param>
/// <param name="Dynamic">Configured maxima and measured use (dynamic scheduler); null when unknown.</param>
public sealed record ServiceStats(string Node, string State, bool Running, ServiceUsage? Static = null,
    ServiceUsage? Dynamic = null);

/// <summary>A resource's configured maxima and measured use; any part may be unknown.</summary>
/// <param name="MaxCpu">Configured cores.</param>
/// <param name="MaxMem">Configured bytes.</param>
/// <param name="Cpu">Cores in use.</param>
/// <param name="Mem">Bytes in use.</param>
public sealed record ServiceUsage(double? MaxCpu = null, long? MaxMem = null, double? Cpu = null, long? Mem = null);

/// <summary>A node's capacity and (dynamic scheduler) measured use; capacity may be unknown.</summary>
/// <param name="MaxCpu">Cores.</param>
/// <param name="MaxMem">Bytes.</param>
/// <param name="Cpu">Cores in use (0 for the static scheduler).</param>
/// <param name="Mem">Bytes in use (0 for the static scheduler).</param>
public sealed record NodeUsage(double? MaxCpu, long? MaxMem, double Cpu = 0, long Mem = 0);

/// <summary>Whether the local node is going down, read when a shutdown request arrives.</summary>
/// <param name="Shutdown">The node is shutting down or rebooting.</param>
/// <param name="Reboot">The node is rebooting.</param>
public readonly record struct NodeShutdownInfo(bool Shutdown, bool Reboot);
