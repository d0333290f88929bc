using HaManager.LocalCluster;
using HaManager.TestSupport;

namespace HaManager.TestSupport
{
    /// <summary>One real etcd member for a test assembly, started when first needed (Debian's etcd-server,
    /// installed when missing) and stopped when the assembly's tests are done. Tests share it under key
    /// prefixes of their own (<see cref="NewPrefix"/>).</summary>
    public static class TestEtcd
    {
        private static readonly Lazy<EtcdCluster> Member = new(() =>
        {
            Prerequisites.Require("etcd-server", EtcdCluster.Binary);
            return EtcdCluster.Start(1);
        });

        /// <summary>The shared member.</summary>
        public static EtcdCluster Shared => Member.Value;

        /// <summary>A key prefix no other test uses.</summary>
        public static string NewPrefix() => $"/test-{Guid.NewGuid():N}";

        /// <summary>Stops the member if it was started.</summary>
        public static void Stop()
        {
            if (Member.IsValueCreated) Member.Value.Dispose();
        }
    }
}

/// <summary>Stops the assembly's etcd when its tests are done (outside any namespace: the whole assembly).</summary>
[SetUpFixture]
public sealed class TestEtcdTeardown
{
    [OneTimeTearDown]
    public void Stop() => TestEtcd.Stop();
}
