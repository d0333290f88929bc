using Etcdserverpb;

namespace HaManager.Store.Etcd;

/// <summary>The transaction pieces the etcd store and its locks are built from, one spelling each.</summary>
public static class EtcdOps
{
    private static Compare On(string key, Compare.Types.CompareTarget target) =>
        new() { Key = EtcdConnection.Bytes(key), Target = target, Result = Compare.Types.CompareResult.Equal };

    /// <summary>The key does not exist (its create revision is 0).</summary>
    public static Compare Absent(string key) => CreatedAt(key, 0);

    /// <summary>The key was created at <paramref name="revision"/> (a lock's fencing token).</summary>
    public static Compare CreatedAt(string key, long revision)
    {
        var c = On(key, Compare.Types.CompareTarget.Create);
        c.CreateRevision = revision;
        return c;
    }

    /// <summary>The key was last modified at <paramref name="revision"/> (nobody wrote it since it was read).</summary>
    public static Compare ModifiedAt(string key, long revision)
    {
        var c = On(key, Compare.Types.CompareTarget.Mod);
        c.ModRevision = revision;
        return c;
    }

    /// <summary>The key holds <paramref name="value"/>.</summary>
    public static Compare ValueIs(string key, string value)
    {
        var c = On(key, Compare.Types.CompareTarget.Value);
        c.Value = EtcdConnection.Bytes(value);
        return c;
    }

    /// <summary>Writes the key (bound to <paramref name="lease"/> when not 0).</summary>
    public static RequestOp Put(string key, string value, long lease = 0) =>
        new() { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(key), Value = EtcdConnection.Bytes(value), Lease = lease } };

    /// <summary>Deletes the key.</summary>
    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(key) } };

    /// <summary>Reads the key, or every key under it as a prefix.</summary>
    public static RequestOp Range(string key, bool prefix = false, bool keysOnly = false, long revision = 0) => new()
    {
        RequestRange = new RangeRequest
        {
            Key = EtcdConnection.Bytes(key), RangeEnd = prefix ? EtcdConnection.PrefixEnd(key) : Google.Protobuf.ByteString.Empty,
            KeysOnly = keysOnly, Revision = revision,
        },
    };

    /// <summary>A transaction of <paramref name="compares"/> and the <paramref name="success"/> operations.</summary>
    public static TxnRequest Txn(IEnumerable<Compare> compares, params RequestOp[] success)
    {
        var txn = new TxnRequest();
        txn.Compare.AddRange(compares);
        txn.Success.AddRange(success);
        return txn;
    }
}
