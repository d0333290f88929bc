namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: test etcd clusters never pile up in memory (/dev/shm), even when their owner died without
/// cleaning up. Method: stale and fresh data directories next to a real cluster start.
/// </summary>
public class EtcdClusterTests
{
    [Test]
    public void Starting_a_cluster_removes_stale_data_of_dead_owners_and_keeps_what_may_be_in_use()
    {
        Prerequisites.Require("etcd-server", EtcdCluster.Binary);
        string parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string stale = Path.Combine(parent, "hamanager-etcd-stale" + Guid.NewGuid().ToString("N")[..6]);
        string fresh = Path.Combine(parent, "hamanager-etcd-fresh" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(Path.Combine(stale, "m1"));
        Directory.CreateDirectory(fresh);
        Directory.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));
        try
        {
            using var first = EtcdCluster.Start(1);
            using var second = EtcdCluster.Start(1);
            Assert.That(Directory.Exists(stale), Is.False, "an hour-old directory no member uses is gone");
            Assert.That(Directory.Exists(fresh), Is.True, "a new one may belong to a cluster being started");
            Assert.That(first.Healthy(0), Is.True, "a running cluster's data is left alone");
        }
        finally
        {
            if (Directory.Exists(fresh)) Directory.Delete(fresh, recursive: true);
            if (Directory.Exists(stale)) Directory.Delete(stale, recursive: true);
        }
    }
}
