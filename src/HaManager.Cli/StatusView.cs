using System.Globalization;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Core.Scheduling;

namespace HaManager.Cli;

/// <summary>One line of <c>ha-manager status</c> (config-cli §9.5), with the fields the JSON output carries.</summary>
public sealed record StatusEntry(string Id, string Type, string Status, string? Node = null, string? Sid = null,
    string? CrmState = null, string? RequestState = null);

/// <summary>Builds the status lines from the store, exactly as upstream words them (config-cli §9.5).</summary>
public static class StatusView
{
    public static List<StatusEntry> Build(CliContext ctx)
    {
        var store = ctx.Store;
        long now = ctx.Clock.WallSeconds;
        var entries = new List<StatusEntry>();
        bool quorate = store.IsQuorate();
        entries.Add(new("quorum", "quorum", quorate ? "OK" : $"No quorum on node '{ctx.Node}'!", ctx.Node));

        var status = store.ReadManagerStatus();
        var raw = ctx.Resources();
        var runtime = store.ReadServiceConfig();
        string? crs = CrsSettings.From(store.GetDatacenterSettings()).Mode;
        string? masterAge = null;
        if (status.MasterNode is { } master && status.Timestamp is { } ts)
        {
            masterAge = Age(now, ts);
            string shown = masterAge != "active" && quorate && runtime.Count == 0 ? "idle" : masterAge;
            string extra = status.Disarm is { } d ? $" - {d.State}, resource mode: {d.Mode}" : "";
            if (crs is not null && crs != "basic") extra += $" - {crs} load CRS";
            entries.Add(new($"master", "master", $"{master} ({shown}, {Ctime(ts)}){extra}", master));
        }
        string fencing = status.Disarm is { } disarm
            ? $"{disarm.State}, resource mode: {disarm.Mode} ({(disarm.State == DisarmInfo.Disarmed ? "CRM watchdog released" : "CRM watchdog active")})"
            : masterAge == "active" ? "armed (CRM watchdog active)" : "standby (CRM watchdog standby)";
        entries.Add(new("fencing", "fencing", fencing));

        foreach (var node in status.NodeStatus.Keys)
        {
            var lrm = store.ReadLrmStatus(node);
            if (lrm.Timestamp is not { } lts)
            {
                entries.Add(new($"lrm:{node}", "lrm", $"{node} (unable to read lrm status)", node));
                continue;
            }
            string age = Age(now, lts);
            string mode = lrm.Mode ?? "active";
            string wd = age == "active" && lrm.State is "active" or "maintenance" ? "watchdog active"
                : mode == "disarm" ? "watchdog released" : "watchdog standby";
            string lrmStatus = age == "active"
                ? mode != "active" ? $"{mode} mode"
                : lrm.State == "wait_for_agent_lock" && !status.ServiceStatus.Values.Any(sd => IsActiveOn(sd, node)) ? "idle"
                : lrm.State ?? "unknown"
                : mode is "maintenance" or "disarm" ? $"{mode} mode" : age;
            entries.Add(new($"lrm:{node}", "lrm", $"{node} ({lrmStatus}, {wd}, {Ctime(lts)})", node));
        }

        bool ignoreAll = status.Disarm?.KnownMode == DisarmMode.Ignore;
        var sids = status.ServiceStatus.Keys.Concat(raw.Sections.Keys.Where(k => !status.ServiceStatus.ContainsKey(k)).Order(StringComparer.Ordinal));
        foreach (var sid in sids)
        {
            status.ServiceStatus.TryGetValue(sid, out var sd);
            runtime.TryGetValue(sid, out var cd);
            raw.Sections.TryGetValue(sid, out var section);
            string requested = section?.Properties.GetValueOrDefault("state") switch { null => "started", "enabled" => "started", var s => s };
            string node = sd?.Node is { Length: > 0 } n ? n : cd?.Node ?? "---";
            string state = ignoreAll ? "ignore"
                : section is null ? "deleting"
                : requested == "ignored" ? "ignored"
                : cd is null ? "not found"
                : sd is null ? "queued"
                : VerboseState(sd, requested);
            entries.Add(new($"service:{sid}", "service", $"{sid} ({node}, {state})", node, sid,
                sd is null ? null : StateNames.Of(sd.State), requested));
        }
        return entries;
    }

    private static string VerboseState(ServiceStatusEntry sd, string requested) => sd.State switch
    {
        ServiceState.Stopped => requested switch { "started" => "starting", "disabled" => "disabled", _ => "stopped" },
        ServiceState.Started when !sd.Running => "starting",
        ServiceState.Started when requested is "stopped" or "disabled" => "stopping",
        ServiceState.Error when requested == "disabled" => "clearing error flag",
        var s => StateNames.Of(s),
    };

    /// <summary>"Active services on a node" (config-cli §9.5).</summary>
    private static bool IsActiveOn(ServiceStatusEntry sd, string node) =>
        (sd.Node == node || sd.Target == node)
        && sd.State is not (ServiceState.Stopped or ServiceState.Freeze or ServiceState.Error or ServiceState.RequestStart);

    private static string Age(long now, long timestamp) =>
        now - timestamp > 30 ? "old timestamp - dead?" : now - timestamp < -2 ? "detected time drift!" : "active";

    /// <summary>C's ctime without the newline, in local time: <c>Fri Nov  3 08:26:40 2023</c>.</summary>
    public static string Ctime(long unixSeconds)
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToLocalTime();
        return string.Format(CultureInfo.InvariantCulture, "{0:ddd MMM} {1,2} {0:HH:mm:ss yyyy}", t, t.Day);
    }
}
