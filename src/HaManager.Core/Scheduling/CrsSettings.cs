using System.Globalization;
using HaManager.Core.Environment;

namespace HaManager.Core.Scheduling;

/// <summary>The <c>crs</c> options of datacenter.cfg with their defaults (rules-scheduling §1.5).</summary>
/// <param name="Mode"><c>basic</c> (default), <c>static</c>, <c>dynamic</c>, or any other word (treated as basic).</param>
/// <param name="RebalanceOnStart">Place services with the scheduler when they start. Default off.</param>
/// <param name="AutoRebalance">Rebalance running services automatically. Default off.</param>
/// <param name="Threshold">Imbalance that must be exceeded. Default 0.3.</param>
/// <param name="Method"><c>bruteforce</c> (default) or <c>topsis</c>.</param>
/// <param name="HoldDuration">Consecutive rounds above the threshold before acting. Default 3.</param>
/// <param name="Margin">Minimum relative improvement of a move. Default 0.1.</param>
public sealed record CrsSettings(string Mode, bool RebalanceOnStart, bool AutoRebalance, double Threshold, string Method,
    double HoldDuration, double Margin)
{
    /// <summary>Reads the options, applying the defaults.</summary>
    public static CrsSettings From(DatacenterSettings settings)
    {
        var crs = settings.Crs;
        string? Get(string key) => crs.TryGetValue(key, out var v) ? v : null;
        static bool Truthy(string? v) => v is not (null or "" or "0");
        static double Number(string? v, double fallback) =>
            double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : fallback;
        string mode = Get("ha") is { Length: > 0 } m ? m : SchedulerModes.Name(SchedulerMode.Basic);
        return new CrsSettings(mode, Truthy(Get("ha-rebalance-on-start")), Truthy(Get("ha-auto-rebalance")),
            Number(Get("ha-auto-rebalance-threshold"), 0.3), Get("ha-auto-rebalance-method") ?? "bruteforce",
            Number(Get("ha-auto-rebalance-hold-duration"), 3), Number(Get("ha-auto-rebalance-margin"), 0.1));
    }

    /// <summary>The scheduler <see cref="Mode"/> names; null for a word this version does not know
    /// (the master then logs it and schedules as <c>basic</c>).</summary>
    public SchedulerMode? Scheduler => SchedulerModes.Parse(Mode);

    /// <summary>True for the modes with a load model.</summary>
    public bool HasLoadModel => Scheduler is SchedulerMode.Static or SchedulerMode.Dynamic;
}

/// <summary>The cluster resource scheduler of datacenter <c>crs: ha=…</c> (rules-scheduling §1.5).</summary>
public enum SchedulerMode
{
    /// <summary><c>basic</c>: count services per node.</summary>
    Basic,
    /// <summary><c>static</c>: configured cores and memory of guests and nodes (TOPSIS).</summary>
    Static,
    /// <summary><c>dynamic</c>: measured load of guests and nodes.</summary>
    Dynamic,
}

/// <summary>The datacenter.cfg words of <see cref="SchedulerMode"/>.</summary>
public static class SchedulerModes
{
    /// <summary>The word.</summary>
    public static string Name(SchedulerMode mode) => mode switch
    {
        SchedulerMode.Basic => "basic",
        SchedulerMode.Static => "static",
        SchedulerMode.Dynamic => "dynamic",
    };

    /// <summary>The mode a word names, or null.</summary>
    public static SchedulerMode? Parse(string? word) => word switch
    {
        "basic" => SchedulerMode.Basic,
        "static" => SchedulerMode.Static,
        "dynamic" => SchedulerMode.Dynamic,
        _ => null,
    };
}
