using HaManager.Core.Environment;
using HaManager.Core.Formats;

namespace HaManager.Store.Etcd;

/// <summary>Which daemon a watch wakes.</summary>
public enum WakeRole
{
    /// <summary>ha-crm: the master wakes for what it must act on; a standby only when the manager lock is freed.</summary>
    Crm,
    /// <summary>ha-lrm: wakes when the master changed what it asks of this node's services.</summary>
    Lrm,
}

/// <summary>
/// Decides which changes in etcd wake a daemon before its round is due (the round stays the upper bound).
/// The CRM of the master wakes for a CRM command, a configuration change, a node coming or going, an agent
/// lock freed (a dead node's lease expired: it may be fenced now) and an LRM status with news (its mode,
/// state or results changed — not merely its timestamp); a CRM that is not master wakes only when the
/// manager lock is freed. An LRM wakes when the manager status changed for a service on or bound for its
/// node (in one of the manager status's shards). Comparing content, not writes, is what keeps the daemons from waking each other in a loop:
/// every round writes a status with a new timestamp.
/// </summary>
public sealed class WakeFilter(EtcdKeys keys, string node, WakeRole role)
{
    private readonly Dictionary<string, string> _lrmNews = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ownServices = new(StringComparer.Ordinal);
    private string? _managerHolder;

    /// <summary>Whether a change of <paramref name="key"/> (its new value, or a deletion) should wake the daemon.</summary>
    public bool Wakes(string key, string? value, bool deleted) => role == WakeRole.Crm ? WakesCrm(key, value, deleted) : WakesLrm(key, value, deleted);

    private bool WakesCrm(string key, string? value, bool deleted)
    {
        string managerLock = keys.Lock(LockNames.Manager);
        if (key == managerLock)
        {
            _managerHolder = deleted ? null : value;
            return deleted;
        }
        if (_managerHolder is { } holder && holder != node) return false;
        if (key.StartsWith(keys.CrmCommands, StringComparison.Ordinal)) return !deleted;
        if (key.StartsWith(keys.Prefix + "config/", StringComparison.Ordinal) || key.StartsWith(keys.Homes, StringComparison.Ordinal)) return true;
        if (key.StartsWith(keys.Online, StringComparison.Ordinal)) return true;
        if (key.StartsWith(keys.Prefix + "locks/", StringComparison.Ordinal)) return deleted;
        if (key.StartsWith(keys.Prefix + "lrm_status/", StringComparison.Ordinal) && !deleted && value is not null)
        {
            string news = LrmNews(value);
            if (_lrmNews.TryGetValue(key, out var last) && last == news) return false;
            _lrmNews[key] = news;
            return true;
        }
        return false;
    }

    private bool WakesLrm(string key, string? value, bool deleted)
    {
        if (!key.StartsWith(keys.ManagerStatusShards, StringComparison.Ordinal)) return false;
        string own = deleted || value is null ? "" : OwnServices(value);
        if (_ownServices.GetValueOrDefault(key, "") == own) return false;
        _ownServices[key] = own;
        return true;
    }

    /// <summary>An LRM status without its timestamp.</summary>
    private static string LrmNews(string json)
    {
        try
        {
            var status = StatusJson.ParseLrmStatus(json);
            status.Timestamp = null;
            return StatusJson.Write(status);
        }
        catch (FormatException) { return json; }
    }

    /// <summary>What the manager status asks of this node: the services on it or bound for it.</summary>
    private string OwnServices(string json)
    {
        try
        {
            var status = StatusJson.ParseManagerStatus(json);
            return string.Join('\n', status.ServiceStatus
                .Where(kv => kv.Value.Node == node || kv.Value.Target == node)
                .Select(kv => $"{kv.Key} {kv.Value.State} {kv.Value.Node} {kv.Value.Target} {kv.Value.Uid}"));
        }
        catch (FormatException) { return json; }
    }
}
