using HaManager.Core.Formats;
using HaManager.Core.Model;

namespace HaManager.Store.Etcd;

/// <summary>
/// The manager status in etcd as one small <c>meta</c> key (master, node states, timestamp, requests) and
/// the service states spread over <see cref="Count"/> shard keys by a stable hash of the service id. A
/// master round rewrites the meta key (its timestamp moves) and only the shards whose services changed:
/// a steady round of 10,000 services writes a few hundred bytes instead of the whole status.
/// </summary>
public static class ManagerStatusShards
{
    /// <summary>How many shards (one transaction writes all changed ones: etcd allows 128 operations).</summary>
    public const int Count = 64;

    /// <summary>The shard of a service: FNV-1a of its id.</summary>
    public static int Of(string sid)
    {
        uint hash = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(sid)) hash = unchecked((hash ^ b) * 16777619);
        return (int)(hash % Count);
    }

    /// <summary>The meta document and the non-empty shards' documents of a status.</summary>
    public static (string Meta, SortedDictionary<int, string> Shards) Split(ManagerStatus status)
    {
        var meta = new ManagerStatus
        {
            MasterNode = status.MasterNode, NodeStatus = status.NodeStatus, Timestamp = status.Timestamp,
            NodeRequest = status.NodeRequest, Disarm = status.Disarm,
        };
        var parts = new SortedDictionary<int, ManagerStatus>();
        foreach (var (sid, entry) in status.ServiceStatus)
        {
            int shard = Of(sid);
            if (!parts.TryGetValue(shard, out var part)) parts[shard] = part = new ManagerStatus();
            part.ServiceStatus[sid] = entry;
        }
        var shards = new SortedDictionary<int, string>();
        foreach (var (shard, part) in parts) shards[shard] = StatusJson.Write(part);
        return (StatusJson.Write(meta), shards);
    }

    /// <summary>The status from its meta document (null: none written yet) and shard documents.</summary>
    public static ManagerStatus Join(string? meta, IEnumerable<string> shards)
    {
        var status = StatusJson.ParseManagerStatus(meta ?? "");
        foreach (var shard in shards)
            foreach (var (sid, entry) in StatusJson.ParseManagerStatus(shard).ServiceStatus)
                status.ServiceStatus[sid] = entry;
        return status;
    }
}
